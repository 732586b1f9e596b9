# The values programs/known_regs.c loads with AVX-512, printed by gdb and
# checked against what the program loaded: opmask k0-k7 and zmm0-zmm31
# are read from layout-dependent XSAVE offsets, where a native gdb that
# assumes Intel's layout prints something else on other CPUs.
# Sourced by the gdb tests.

# gdb -ex arguments that print values a native gdb session reads right on any CPU
# (none from a layout-dependent XSAVE offset), at marker(), after the line VALUES.
native_values_args=(-ex 'echo VALUES\n' -ex 'p $st0' -ex 'p $st1' -ex 'p/x $fctrl'
	-ex 'p/x $fstat' -ex 'p/x $ftag' -ex 'p/x $fop' -ex 'p/x $mxcsr' -ex 'p $xmm0.v4_int32'
	-ex 'p $xmm15.v4_int32' -ex 'p $ymm0.v8_int32' -ex 'p $ymm15.v8_int32'
	-ex 'p/x $rip - (long)&marker' -ex 'p/x $cs' -ex 'p/x $ss')

# native_values LOG NTH: the values printed after the NTH line VALUES of LOG.
native_values() {
	awk -v nth="$2" -v want=$((${#native_values_args[@]} / 2 - 1)) '$0 == "VALUES" { seen++; next }
		seen == nth && /^\$[0-9]+ = / && got < want { sub(/^\$[0-9]+ = /, ""); print; got++ }' "$1"
}

# gdb -ex arguments that print the line KNOWN, then k0-k7 and zmm0-zmm31.
known_values_args=(-ex 'echo KNOWN\n')
for n in $(seq 0 7); do known_values_args+=(-ex "p/x \$k$n"); done
for n in $(seq 0 31); do known_values_args+=(-ex "p \$zmm$n.v16_int32"); done

# What they print: k<n> = 0x5a5a5a5a12345677 + n, lane j of zmm<n> = n * 256 + j + 1.
known_values_expected() {
	local n j lanes
	for n in $(seq 0 7); do printf '0x%x\n' $((0x5a5a5a5a12345677 + n)); done
	for n in $(seq 0 31); do
		lanes=$((n * 256 + 1))
		for j in $(seq 2 16); do lanes+=", $((n * 256 + j))"; done
		echo "{$lanes}"
	done
}

# known_values_check LOG NTH: the 40 values printed after the NTH line KNOWN of LOG
# are the known ones; otherwise prints the difference and returns 1.
known_values_check() {
	local log=$1 nth=$2
	awk -v nth="$nth" '$0 == "KNOWN" { seen++; next }
		seen == nth && /^\$[0-9]+ = / && got < 40 { sub(/^\$[0-9]+ = /, ""); print; got++ }' \
		"$log" >"$log.known"
	known_values_expected | diff -u - "$log.known"
}
