# Every third-party dependency of moss, found through Debian's packages.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(LibArchive REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED) # HMAC, JWT signatures, TLS between nodes
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(RapidJSON CONFIG REQUIRED)
find_package(msgpack CONFIG REQUIRED) # Debian: msgpackc-cxx target
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
# TGZ output: ISA-L's igzip (bench/deflate_bench.cpp compares it with zlib).
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

add_library(moss_rapidjson INTERFACE)
target_include_directories(moss_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})

include(caf)
