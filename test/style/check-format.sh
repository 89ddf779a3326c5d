#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-format.sh SRCDIR: every C file in git is as .clang-format wants it (a diff fails).
set -u
src=${1:?usage: $0 SRCDIR}
command -v clang-format >/dev/null || { echo "no clang-format"; exit 77; }
cd "$src" || exit 1
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null)
((${#files[@]})) || { echo "no git checkout to check"; exit 77; }
clang-format --dry-run -Werror "${files[@]}"
