/* Machine code questions answered with capstone. */
#include "arch/x86_64/decode.h"

#include <capstone/capstone.h>

int x86_find_returns(const uint8_t *code, size_t len, uint64_t addr, uint64_t *out, int max)
{
	const uint8_t *p = code;
	uint64_t a = addr;
	size_t left = len;
	csh cs;
	cs_insn *insn;
	int n = 0;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -1;
	insn = cs_malloc(cs);
	if (!insn) {
		cs_close(&cs);
		return -1;
	}
	while (n < max && cs_disasm_iter(cs, &p, &left, &a, insn))
		if (insn->id == X86_INS_RET)
			out[n++] = insn->address;
	cs_free(insn, 1);
	cs_close(&cs);
	return n;
}
