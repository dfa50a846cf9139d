# Turns default.json into a C++ string constant at build time.
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}"
  "namespace moss {\nextern const char* const embedded_default_config;\n"
  "const char* const embedded_default_config = R\"moss_json(${content})moss_json\";\n}\n")
