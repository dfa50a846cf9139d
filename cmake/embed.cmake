# Turns a text file into a C++ string constant `moss::${NAME}` at build time.
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}"
  "namespace moss {\nextern const char* const ${NAME};\n"
  "const char* const ${NAME} = R\"moss_embed(${content})moss_embed\";\n}\n")
