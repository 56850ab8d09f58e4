#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rst-literal.sh RST FIRST-LINE: print the literal block of RST whose first
# line starts with FIRST-LINE, one tab of indent removed. Tests build the
# code a document shows from the document itself, so the two cannot part.
set -eu
awk -v first="$2" '
	!inside && index($0, "\t" first) == 1 { inside = 1 }
	inside && $0 != "" && substr($0, 1, 1) != "\t" { exit }
	inside { sub(/^\t/, ""); print; found = 1 }
	END { if (!found) { print "rst-literal.sh: no block starting \"" first "\"" > "/dev/stderr"; exit 1 } }
' "$1"
