#!/usr/bin/env bash
# Doxygen input filter (Doxyfile): the headers use ordinary // comments; as doxygen
# reads a header, a comment line becomes a documentation line (/// before a
# declaration, ///< after one on the same line), and <word> in a comment is escaped so
# it is not taken for an HTML tag. The file on disk is unchanged.
exec sed -e 's|^\( *\)//\( \|$\)|\1///\2|' \
         -e 's|\([;,{]\) *// |\1 ///< |' \
         -e '/\/\/\//s|<\([a-z_]\{1,\}\)>|\\<\1\\>|g' "$1"
