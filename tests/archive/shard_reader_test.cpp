#include "archive/shard_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <clocale>
#include <map>
#include <random>

#include "tests/test_dir.hpp"

namespace moss {
namespace {

using archive::shard_format;

struct file {
  std::string name;
  std::string data;
  bool dir = false;
};

/// Writes a shard with libarchive (not with moss's writers).
std::string make_shard(const std::vector<file>& files, int format, int filter,
                       const char* options = nullptr,
                       const char* passphrase = nullptr) {
  std::setlocale(LC_ALL, "C.UTF-8");
  std::string out;
  auto* a = archive_write_new();
  archive_write_set_format(a, format);
  if (filter != ARCHIVE_FILTER_NONE)
    archive_write_add_filter(a, filter);
  if (options != nullptr) {
    EXPECT_EQ(archive_write_set_options(a, options), ARCHIVE_OK)
        << archive_error_string(a);
  }
  if (passphrase != nullptr)
    archive_write_set_passphrase(a, passphrase);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf),
                                               n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (auto& f : files) {
    auto* e = archive_entry_new();
    archive_entry_set_pathname_utf8(e, f.name.c_str());
    archive_entry_set_filetype(e, f.dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(f.data.size()));
    archive_write_header(a, e);
    if (!f.data.empty())
      archive_write_data(a, f.data.data(), f.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

class shard_reader_test : public ::testing::Test {
 protected:
  /// Stores `bytes` in a file and extracts `wanted` from it.
  expected<std::map<std::string, std::string>>
  extract(const std::string& bytes, shard_format fmt,
          std::set<std::string> wanted, archive::shard_limits limits = {}) {
    auto path = dir.path() + "/shard" + std::to_string(n++);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()),
              static_cast<ssize_t>(bytes.size()));
    ::lseek(fd, 0, SEEK_SET);
    std::map<std::string, std::string> got;
    auto r = archive::extract_members(
        fd, bytes.size(), fmt, wanted,
        [&](const std::string& name, std::string data) {
          got.emplace(name, std::move(data));
        },
        limits, "ais://b/shard");
    ::close(fd);
    if (!r)
      return r.error();
    EXPECT_EQ(*r, got.size());
    return got;
  }

  test::temp_dir dir;
  int n = 0;
};

std::vector<file> sample_files() {
  std::mt19937 rng{7};
  std::string big(300 * 1024, '\0');
  for (auto& c : big)
    c = static_cast<char>(rng());
  return {
      {"empty", ""},
      {"one", "1"},
      {std::string(150, 'L') + ".txt", "long"},
      {"a/b/c/d", "", true},
      {"a/b/c/d/nested.wav", "nested"},
      {"with space/ünï 名.flac", "unicode"},
      {"big.bin", big},
      {"dup", "first"},
      {"dup", "second"},
      {"dir", "", true},
  };
}

struct format_case {
  shard_format fmt;
  int format;
  int filter;
  const char* options;
};

class every_format : public shard_reader_test,
                     public ::testing::WithParamInterface<format_case> {};

TEST_P(every_format, finds_each_member_in_one_pass) {
  auto& p = GetParam();
  auto files = sample_files();
  auto shard = make_shard(files, p.format, p.filter, p.options);
  std::set<std::string> wanted;
  for (auto& f : files)
    if (!f.dir)
      wanted.insert(f.name);
  wanted.insert("not/there");
  auto got = extract(shard, p.fmt, wanted);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->size(), wanted.size() - 1);
  for (auto& f : files) {
    if (!f.dir && f.name != "dup") {
      EXPECT_EQ(got->at(f.name), f.data) << f.name;
    }
  }
  EXPECT_EQ(got->at("dup"), "first") << "the first match wins";
  EXPECT_EQ(got->count("not/there"), 0u);
  // Directory entries never match.
  auto dirs = extract(shard, p.fmt, {"dir", "a/b/c/d"});
  ASSERT_TRUE(dirs);
  EXPECT_TRUE(dirs->empty());
}

INSTANTIATE_TEST_SUITE_P(
    formats, every_format,
    ::testing::Values(
        format_case{shard_format::tar, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
                    ARCHIVE_FILTER_NONE, nullptr},
        format_case{shard_format::tar, ARCHIVE_FORMAT_TAR_GNUTAR,
                    ARCHIVE_FILTER_NONE, nullptr},
        format_case{shard_format::tgz, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
                    ARCHIVE_FILTER_GZIP, nullptr},
        format_case{shard_format::tar_lz4, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
                    ARCHIVE_FILTER_LZ4, nullptr},
        format_case{shard_format::zip, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE,
                    "zip:compression=deflate"},
        format_case{shard_format::zip, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE,
                    "zip:compression=store"}));

TEST_F(shard_reader_test, plain_ustar_shards) {
  // USTAR holds names up to 100 characters (255 with a prefix split).
  auto shard
      = make_shard({{"d/" + std::string(99, 'u'), "long"}, {"x.jpg", "jpeg"}},
                   ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE);
  auto got = extract(shard, shard_format::tar,
                     {"x.jpg", "d/" + std::string(99, 'u')});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->at("x.jpg"), "jpeg");
  EXPECT_EQ(got->at("d/" + std::string(99, 'u')), "long");
}

TEST_F(shard_reader_test, a_leading_slash_is_tolerated_on_either_side) {
  auto shard
      = make_shard({{"/abs/x", "A"}, {"rel/y", "R"}},
                   ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE);
  auto got = extract(shard, shard_format::tar, {"abs/x", "rel/y"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->at("abs/x"), "A");
  EXPECT_EQ(got->at("rel/y"), "R");
  EXPECT_EQ(archive::normalize_member_name("/rel/y"), "rel/y");
}

TEST_F(shard_reader_test, format_by_suffix_then_by_magic) {
  auto tar
      = make_shard({{"x", "1"}}, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE);
  auto tgz
      = make_shard({{"x", "1"}}, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP);
  auto zip = make_shard({{"x", "1"}}, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
  auto lz4
      = make_shard({{"x", "1"}}, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_LZ4);
  using archive::detect_shard_format;
  EXPECT_EQ(*detect_shard_format("s.tar.gz", zip, "s"), shard_format::tgz);
  EXPECT_EQ(*detect_shard_format("s.tgz", "", "s"), shard_format::tgz);
  EXPECT_EQ(*detect_shard_format("s.tar.lz4", "", "s"), shard_format::tar_lz4);
  EXPECT_EQ(*detect_shard_format("s", tar, "s"), shard_format::tar);
  EXPECT_EQ(*detect_shard_format("s", tgz, "s"), shard_format::tgz);
  EXPECT_EQ(*detect_shard_format("s", zip, "s"), shard_format::zip);
  EXPECT_EQ(*detect_shard_format("s", lz4, "s"), shard_format::tar_lz4);
  auto bad = detect_shard_format("notes.txt", "hello world", "ais://b/notes");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("ais://b/notes"), std::string::npos);
}

TEST_F(shard_reader_test, truncated_and_corrupt_shards_are_clear_errors) {
  auto files = sample_files();
  auto tgz = make_shard(files, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
                        ARCHIVE_FILTER_GZIP);
  auto cut = extract(tgz.substr(0, tgz.size() / 2), shard_format::tgz,
                     {"dir/never"});
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().message.find("not a valid tar.gz shard"),
            std::string::npos);
  auto garbage = extract(std::string(4096, 'z'), shard_format::zip, {"x"});
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("ais://b/shard"), std::string::npos);
}

TEST_F(shard_reader_test, decompression_bombs_are_refused) {
  auto bomb
      = make_shard({{"zeros", std::string(32 << 20, '\0')}, {"after", "x"}},
                   ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP);
  archive::shard_limits limits;
  limits.ratio_floor_bytes = 1 << 20;
  limits.max_ratio = 100;
  auto r = extract(bomb, shard_format::tgz, {"after"}, limits);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("decompression bomb"), std::string::npos);
  limits.max_member_bytes = 1 << 20;
  limits.max_ratio = 1'000'000;
  auto big = extract(bomb, shard_format::tgz, {"zeros"}, limits);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ec::too_large);
}

TEST_F(shard_reader_test, encrypted_zip_members_are_refused) {
  auto zip
      = make_shard({{"secret", "s3cr3t"}}, ARCHIVE_FORMAT_ZIP,
                   ARCHIVE_FILTER_NONE, "zip:encryption=zipcrypt", "passw0rd");
  auto r = extract(zip, shard_format::zip, {"secret"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("encrypted"), std::string::npos);
}

} // namespace
} // namespace moss

#include "archive/tar_index.hpp"

namespace moss {
namespace {

class tar_index_test : public shard_reader_test,
                       public ::testing::WithParamInterface<int> {};

TEST_P(tar_index_test, agrees_with_a_full_extraction) {
  auto files = sample_files();
  if (GetParam() == ARCHIVE_FORMAT_TAR_USTAR)
    files = {{"a/b.txt", "ab"},
             {"x", ""},
             {"dup", "1"},
             {"dup", "2"},
             {"d/" + std::string(99, 'q'), "prefix split"}};
  auto shard = make_shard(files, GetParam(), ARCHIVE_FILTER_NONE);
  auto path = dir.path() + "/idx.tar";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  ASSERT_EQ(::write(fd, shard.data(), shard.size()),
            static_cast<ssize_t>(shard.size()));
  auto idx = archive::build_tar_index(fd, shard.size(), "ais://b/idx.tar");
  ASSERT_TRUE(idx) << idx.error().message;
  std::set<std::string> wanted;
  for (auto& f : files)
    if (!f.dir)
      wanted.insert(f.name);
  auto scanned = extract(shard, shard_format::tar, wanted);
  ASSERT_TRUE(scanned);
  EXPECT_EQ(idx->size(), scanned->size());
  for (auto& [name, data] : *scanned) {
    auto it = idx->find(name);
    ASSERT_NE(it, idx->end()) << name;
    std::string got(it->second.size, '\0');
    ASSERT_EQ(::pread(fd, got.data(), got.size(),
                      static_cast<off_t>(it->second.offset)),
              static_cast<ssize_t>(got.size()));
    EXPECT_EQ(got, data) << name;
  }
  auto again = archive::decode_tar_index(archive::encode_tar_index(*idx));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), idx->size());
  for (auto& [name, m] : *idx) {
    EXPECT_EQ(again->at(name).offset, m.offset);
    EXPECT_EQ(again->at(name).size, m.size);
  }
  // A damaged header is a clear error, not a wrong index.
  ASSERT_EQ(::pwrite(fd, "\xff\xff", 2, 0), 2);
  auto bad = archive::build_tar_index(fd, shard.size(), "ais://b/idx.tar");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("checksum"), std::string::npos);
  ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(formats, tar_index_test,
                         ::testing::Values(ARCHIVE_FORMAT_TAR_USTAR,
                                           ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
                                           ARCHIVE_FORMAT_TAR_GNUTAR));

} // namespace
} // namespace moss
