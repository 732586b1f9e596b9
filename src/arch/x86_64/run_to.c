/* Sites and trampolines for running a thread to a recorded instruction instance; see run_to.h. */
#include "arch/x86_64/run_to.h"

#include <capstone/capstone.h>
#include <string.h>

static enum x86_site_class classify(csh cs, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	switch (insn->id) {
	case X86_INS_SYSCALL:
	case X86_INS_SYSENTER:
	case X86_INS_INT:
	case X86_INS_INT1:
	case X86_INS_INTO:
		return X86_SITE_SYSCALL;
	case X86_INS_INT3:
	case X86_INS_UD2:
	case X86_INS_HLT:
	case X86_INS_RDTSC:
	case X86_INS_RDTSCP:
	case X86_INS_XBEGIN:
	case X86_INS_XABORT:
	case X86_INS_XEND:
		return X86_SITE_SPECIAL;
	default:
		break;
	}
	if (cs_insn_group(cs, insn, CS_GRP_JUMP) || cs_insn_group(cs, insn, CS_GRP_CALL) ||
	    cs_insn_group(cs, insn, CS_GRP_RET) || cs_insn_group(cs, insn, CS_GRP_IRET) ||
	    cs_insn_group(cs, insn, CS_GRP_BRANCH_RELATIVE))
		return X86_SITE_MOVES_IP;
	if (cs_insn_group(cs, insn, CS_GRP_INT))
		return X86_SITE_SYSCALL;
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP)
			return X86_SITE_RIP_RELATIVE;
	return insn->size < 5 ? X86_SITE_SHORT : X86_SITE_OK;
}

enum x86_site_class x86_site_class(const uint8_t *code, size_t len, uint64_t addr,
				   size_t *insn_len)
{
	enum x86_site_class cls = X86_SITE_SPECIAL;
	const uint8_t *p = code;
	uint64_t a = addr;
	csh cs;
	cs_insn *insn;

	*insn_len = 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return X86_SITE_SPECIAL;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	if (insn && cs_disasm_iter(cs, &p, &len, &a, insn)) {
		*insn_len = insn->size;
		cls = classify(cs, insn);
	}
	if (insn)
		cs_free(insn, 1);
	cs_close(&cs);
	return cls;
}

/* A byte sink with the trampoline's base address. */
struct emitter {
	uint8_t *out;
	size_t n;
	uint64_t base;
};

static void put(struct emitter *e, const void *bytes, size_t len)
{
	memcpy(e->out + e->n, bytes, len);
	e->n += len;
}

static void put32(struct emitter *e, int32_t v)
{
	put(e, &v, 4);
}

/* rel32 from the end of a 4-byte field at e->n to target. */
static void put_rel32(struct emitter *e, uint64_t target)
{
	put32(e, (int32_t)(target - (e->base + e->n + 4)));
}

/* cmp reg, [rip + to data_off]: the data's offset is fixed up once known. */
static void cmp_reg_mem(struct emitter *e, int reg, size_t *fixup)
{
	uint8_t op[3] = {(uint8_t)(0x48 | (reg >= 8 ? 4 : 0)), 0x3b, (uint8_t)(((reg & 7) << 3) | 5)};

	put(e, op, sizeof(op));
	*fixup = e->n;
	put32(e, 0);
}

/* jne miss, the target fixed up once known. */
static void jne(struct emitter *e, size_t *fixups, int *nfix)
{
	static const uint8_t op[2] = {0x0f, 0x85};

	put(e, op, sizeof(op));
	fixups[(*nfix)++] = e->n;
	put32(e, 0);
}

/* Points the rel32 field at off to target (an offset in the trampoline). */
static void fix(struct emitter *e, size_t off, size_t target)
{
	int32_t rel = (int32_t)((int64_t)target - (int64_t)(off + 4));

	memcpy(e->out + off, &rel, 4);
}

/* The registers compared in the thread, by x86 encoding number, with their index in regs. */
static const struct {
	uint8_t enc, idx;
} compared[] = {
    {0, X86_RAX},  {3, X86_RBX},  {1, X86_RCX},	 {2, X86_RDX},	{6, X86_RSI},
    {7, X86_RDI},  {5, X86_RBP},  {8, X86_R8},	 {9, X86_R9},	{10, X86_R10},
    {11, X86_R11}, {12, X86_R12}, {13, X86_R13}, {14, X86_R14}, {15, X86_R15},
};
#define NCOMPARED (sizeof(compared) / sizeof(compared[0]))

/* Emits the comparisons; data fixups for each register, then rsp, flags and the mask. */
static void emit_compares(struct emitter *e, size_t data_fix[NCOMPARED + 3], size_t *miss,
			  int *nmiss)
{
	static const uint8_t push_rax = 0x50, pop_rax = 0x58;
	/* lea rax, [rsp + 144]: the thread's rsp under the red zone, flags and rax pushed. */
	static const uint8_t lea_rax_rsp[] = {0x48, 0x8d, 0x84, 0x24, 0x90, 0, 0, 0};
	static const uint8_t mov_rax_flags[] = {0x48, 0x8b, 0x44, 0x24, 0x08};
	static const uint8_t and_rax_rip[] = {0x48, 0x23, 0x05};

	for (size_t i = 0; i < NCOMPARED; i++) {
		cmp_reg_mem(e, compared[i].enc, &data_fix[i]);
		jne(e, miss, nmiss);
	}
	put(e, &push_rax, 1);
	put(e, lea_rax_rsp, sizeof(lea_rax_rsp));
	cmp_reg_mem(e, 0, &data_fix[NCOMPARED]);
	put(e, &pop_rax, 1);
	jne(e, miss, nmiss);
	put(e, &push_rax, 1);
	put(e, mov_rax_flags, sizeof(mov_rax_flags));
	put(e, and_rax_rip, sizeof(and_rax_rip));
	data_fix[NCOMPARED + 2] = e->n;
	put32(e, 0);
	cmp_reg_mem(e, 0, &data_fix[NCOMPARED + 1]);
	put(e, &pop_rax, 1);
	jne(e, miss, nmiss);
}

size_t x86_trampoline_build(uint8_t *out, uint64_t tramp, uint64_t site, const uint8_t *insn,
			    size_t insn_len, const uint64_t want[X86_NREGS], uint64_t *trap_ip)
{
	static const uint8_t enter[] = {0x48, 0x8d, 0x64, 0x24, 0x80, 0x9c}; /* lea rsp,[rsp-128]; pushfq */
	static const uint8_t leave[] = {0x9d, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0}; /* popfq; lea rsp,[rsp+128] */
	static const uint8_t int3 = 0xcc, jmp = 0xe9;
	struct emitter e = {out, 0, tramp};
	size_t data_fix[NCOMPARED + 3], miss[NCOMPARED + 3], to_orig, data;
	uint64_t values[NCOMPARED + 3];
	int nmiss = 0;

	put(&e, enter, sizeof(enter));
	emit_compares(&e, data_fix, miss, &nmiss);
	put(&e, leave, sizeof(leave));
	put(&e, &int3, 1);
	*trap_ip = tramp + e.n;
	put(&e, &jmp, 1);
	to_orig = e.n;
	put32(&e, 0);
	for (int i = 0; i < nmiss; i++)
		fix(&e, miss[i], e.n);
	put(&e, leave, sizeof(leave));
	fix(&e, to_orig, e.n);
	put(&e, insn, insn_len);
	put(&e, &jmp, 1);
	put_rel32(&e, site + insn_len);

	data = (e.n + 7) & ~(size_t)7;
	memset(out + e.n, 0xcc, data - e.n);
	for (size_t i = 0; i < NCOMPARED; i++)
		values[i] = want[compared[i].idx];
	values[NCOMPARED] = want[X86_RSP];
	values[NCOMPARED + 1] = want[X86_EFLAGS] & X86_SITE_EFLAGS_MASK;
	values[NCOMPARED + 2] = X86_SITE_EFLAGS_MASK;
	memcpy(out + data, values, sizeof(values));
	for (size_t i = 0; i < NCOMPARED + 3; i++)
		fix(&e, data_fix[i], data + i * 8);
	return data + sizeof(values);
}

void x86_site_patch(uint8_t *out, uint64_t site, size_t insn_len, uint64_t tramp)
{
	int32_t rel = (int32_t)(tramp - (site + 5));

	out[0] = 0xe9;
	memcpy(out + 1, &rel, 4);
	memset(out + 5, 0x90, insn_len - 5);
}
