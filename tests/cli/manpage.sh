#!/usr/bin/env bash
# The manual page and the usage stay in step: every command in `rewind
# --help` has a section in docs/rewind.1, and every option that `rewind
# --help` and each `rewind COMMAND --help` list is in it; the page has no
# troff errors.
# usage: manpage.sh MANPAGE
. "$(dirname "$0")/lib.sh"
page=$1

# The page's text with troff's \- as -.
sed 's/\\-/-/g' "$page" >"$dir/page"
"$REWIND" --help >"$dir/help"
for cmd in $(awk '$1 == "usage:" || $1 == "rewind" { print $0 }' "$dir/help" |
	sed -nE 's/^(usage:)? *rewind ([a-z]+) .*/\2/p' | sort -u); do
	grep -q "^\.SS $cmd\b" "$dir/page" || fail "command $cmd has no section in the manual page"
	"$REWIND" "$cmd" --help >>"$dir/help"
done
opts=$(grep -oE '(^|[][ |,(])--?[a-zA-Z][a-zA-Z-]*' "$dir/help" | sed -E 's/^[][ |,(]//' | sort -u)
[ "$(echo "$opts" | wc -l)" -ge 14 ] || fail "only $(echo "$opts" | wc -w) options found in the usage: $opts"
for o in $opts; do
	grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z-]|$)" "$dir/page" || fail "option $o is not in the manual page"
done
if command -v groff >/dev/null; then
	groff -man -Tutf8 -ww -z "$page" 2>"$dir/groff" && [ ! -s "$dir/groff" ] ||
		fail "troff warnings: $(cat "$dir/groff")"
fi
echo "PASS: $(echo "$opts" | wc -l) options, all in the manual page"
