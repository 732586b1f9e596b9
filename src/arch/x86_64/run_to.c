/* Sites and trampolines for running a thread to a recorded instruction instance; see run_to.h. */
#include "arch/x86_64/run_to.h"

#include <capstone/capstone.h>
#include <stdbool.h>
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
	/* Single-stepped, it would store rewind's trap flag in the program's memory. */
	case X86_INS_PUSHF:
	case X86_INS_PUSHFD:
	case X86_INS_PUSHFQ:
	/*
	 * A single step of one makes the trap flag the program's
	 * (enable_single_step: is_setting_trap_flag clears TIF_FORCED_TF); a
	 * step it does not finish (a signal first) leaves it set when the
	 * thread runs on, and it dies of SIGTRAP.
	 */
	case X86_INS_POPF:
	case X86_INS_POPFD:
	case X86_INS_POPFQ:
	case X86_INS_IRET:
	case X86_INS_IRETD:
	case X86_INS_IRETQ:
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
		if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP &&
		    (x->encoding.disp_size != 4 || !x->encoding.disp_offset))
			return X86_SITE_RIP_RELATIVE; /* a displacement the trampoline cannot move */
	return insn->size < 5 ? X86_SITE_SHORT : X86_SITE_OK;
}

/* Where the instruction's rip-relative displacement is, or 0 without one. */
static uint8_t rip_disp_offset(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP)
			return x->encoding.disp_offset;
	return 0;
}

enum x86_site_class x86_site_class(const uint8_t *code, size_t len, uint64_t addr,
				   size_t *insn_len)
{
	uint8_t disp;

	return x86_site_decode(code, len, addr, insn_len, &disp);
}

/*
 * The thread's decoder, opened at its first use and kept: opening one
 * costs ten times a decode, and an execution point decodes at every step
 * on the way to its site.
 */
static _Thread_local struct {
	csh cs;
	cs_insn *insn;
	bool open;
} decoder;

enum x86_site_class x86_site_decode(const uint8_t *code, size_t len, uint64_t addr,
				    size_t *insn_len, uint8_t *disp_offset)
{
	enum x86_site_class cls = X86_SITE_SPECIAL;
	const uint8_t *p = code;
	uint64_t a = addr;

	*insn_len = 0;
	*disp_offset = 0;
	if (!decoder.open) {
		if (cs_open(CS_ARCH_X86, CS_MODE_64, &decoder.cs) != CS_ERR_OK)
			return X86_SITE_SPECIAL;
		cs_option(decoder.cs, CS_OPT_DETAIL, CS_OPT_ON);
		if (!(decoder.insn = cs_malloc(decoder.cs))) {
			cs_close(&decoder.cs);
			return X86_SITE_SPECIAL;
		}
		decoder.open = true;
	}
	if (cs_disasm_iter(decoder.cs, &p, &len, &a, decoder.insn)) {
		*insn_len = decoder.insn->size;
		cls = classify(decoder.cs, decoder.insn);
		if (cls == X86_SITE_OK)
			*disp_offset = rip_disp_offset(decoder.insn);
	}
	return cls;
}

/* A byte sink with the trampoline's base address. */
struct emitter {
	uint8_t *out;
	size_t n;
	uint64_t base;
	/*
	 * The slots: rax and rcx kept (at `saved`, writable), then each value
	 * compared, stored negated after the code; the rel32 fields that
	 * reach them.
	 */
	uint64_t saved;
	uint64_t values[48];
	size_t value_fix[64];
	int value_slot[64];
	int nvalues, nfix;
	/* The jumps to the miss path that takes rax and rcx back. */
	size_t miss_fix[48];
	int nmiss;
	/* The instruction the jump replaced, run on every way out but the trap. */
	uint64_t site;
	const uint8_t *insn;
	size_t insn_len;
	uint8_t disp_offset;
	bool out_of_reach;
	bool rax_kept; /* rax is in its slot: an inline miss path takes it back too */
	int nfirst;    /* compares with an inline miss path so far */
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

/* Points the rel32 field at off to target (an offset in the trampoline). */
static void fix(struct emitter *e, size_t off, size_t target)
{
	int32_t rel = (int32_t)((int64_t)target - (int64_t)(off + 4));

	memcpy(e->out + off, &rel, 4);
}

/* Where rax and rcx are kept (data slots 0 and 1) while the trampoline uses them. */
#define SAVE_SLOTS 2

/* A rel32 field here that reaches slot i: a saved register's, or a compared value's. */
static void slot_ref(struct emitter *e, int slot)
{
	e->value_fix[e->nfix] = e->n;
	e->value_slot[e->nfix++] = slot;
	put32(e, 0);
}

/* mov [rip + slot], reg (store) or mov reg, [rip + slot] (load), reg rax (0) or rcx (1). */
static void save_slot(struct emitter *e, int reg, bool store)
{
	uint8_t op[] = {0x48, store ? 0x89 : 0x8b, (uint8_t)(reg << 3 | 5)};

	put(e, op, sizeof(op));
	slot_ref(e, reg);
}

/*
 * The moved instruction, then the jump back to the one after the site. A
 * rip-relative operand is moved to reach the same address from here;
 * out_of_reach is set when it cannot.
 */
static void put_moved(struct emitter *e)
{
	static const uint8_t jmp = 0xe9;

	put(e, e->insn, e->insn_len);
	if (e->disp_offset) {
		int32_t disp;
		int64_t moved;

		memcpy(&disp, e->insn + e->disp_offset, 4);
		moved = (int64_t)(e->site + e->insn_len + (uint64_t)(int64_t)disp) -
			(int64_t)(e->base + e->n);
		if (moved != (int32_t)moved)
			e->out_of_reach = true;
		disp = (int32_t)moved;
		memcpy(e->out + e->n - e->insn_len + e->disp_offset, &disp, 4);
	}
	put(e, &jmp, 1);
	put32(e, (int32_t)(e->site + e->insn_len - (e->base + e->n + 4)));
}

/*
 * rcx = reg - value, flags untouched: lea rcx, [reg - value] when that
 * fits a 32-bit displacement (a counter, a length), else rcx = ~value
 * from the data and lea rcx, [reg + rcx + 1]. reg is an x86 encoding
 * number, not rcx.
 */
static void difference(struct emitter *e, int reg, uint64_t value)
{
	static const uint8_t mov_rcx_rip[] = {0x48, 0x8b, 0x0d};
	uint8_t rex = (uint8_t)(0x48 | (reg >= 8 ? 1 : 0));
	int64_t minus = (int64_t)(0 - value); /* wraps: value may be INT64_MIN */

	if (minus == (int32_t)minus) {
		uint8_t lea[] = {rex, 0x8d, 0x8c, (uint8_t)(0x20 | (reg & 7))};

		put(e, lea, sizeof(lea));
		put32(e, (int32_t)minus);
		return;
	}
	uint8_t lea[] = {rex, 0x8d, 0x4c, (uint8_t)((1 << 3) | (reg & 7)), 0x01};

	put(e, mov_rcx_rip, sizeof(mov_rcx_rip));
	e->values[e->nvalues] = ~value;
	slot_ref(e, SAVE_SLOTS + e->nvalues++);
	put(e, lea, sizeof(lea));
}

/* Compares register reg with value (jrcxz says equal); otherwise the miss path. */
static void compare(struct emitter *e, int reg, uint64_t value)
{
	static const uint8_t jrcxz_over_jmp[] = {0xe3, 0x05}, jmp = 0xe9;

	difference(e, reg, value);
	put(e, jrcxz_over_jmp, sizeof(jrcxz_over_jmp));
	put(e, &jmp, 1);
	e->miss_fix[e->nmiss++] = e->n;
	put32(e, 0);
}

/*
 * A compare with its miss path inline: rcx (and rax, if kept) back, the
 * moved instruction and the jump back, so that a visit told apart here
 * costs two jumps and a few instructions.
 */
static void compare_first(struct emitter *e, int reg, uint64_t value)
{
	static const uint8_t jrcxz = 0xe3;
	size_t over;

	difference(e, reg, value);
	put(e, &jrcxz, 1);
	over = e->n;
	put(e, &jrcxz, 1); /* its rel8, set below */
	if (e->rax_kept)
		save_slot(e, 0, false);
	save_slot(e, 1, false);
	put_moved(e);
	e->out[over] = (uint8_t)(e->n - (over + 1));
}

/* The general registers compared directly, by x86 encoding number, with their index in regs. */
static const struct {
	uint8_t enc, idx;
} direct[] = {
    {3, X86_RBX},  {2, X86_RDX},  {6, X86_RSI},	 {7, X86_RDI},	{5, X86_RBP},
    {8, X86_R8},   {9, X86_R9},	  {10, X86_R10}, {11, X86_R11}, {12, X86_R12},
    {13, X86_R13}, {14, X86_R14}, {15, X86_R15}, {0, X86_RAX},	{4, X86_RSP},
};
#define NDIRECT	    (sizeof(direct) / sizeof(direct[0]))
/* Compares with an inline miss path at most: each one repeats the moved instruction. */
#define FIRST_MAX 3

/*
 * The arithmetic flags as lahf; seto al; movzx eax, ax leave them in rax:
 * SF, ZF, AF, PF and CF in bits 15-8 (bit 9 set), OF in bit 0.
 */
static uint64_t lahf_seto(uint64_t eflags)
{
	return ((eflags & 0xd5) | 2) << 8 | (eflags >> 11 & 1);
}

/* Compares reg with value, with an inline miss path while there are few of them. */
static void compare_early(struct emitter *e, int reg, uint64_t value)
{
	if (e->nfirst < FIRST_MAX) {
		e->nfirst++;
		compare_first(e, reg, value);
	} else {
		compare(e, reg, value);
	}
}

/*
 * What tells a loop's visits apart, with inline miss paths: the learned
 * words (only a visit whose registers all matched taught them: the loop's
 * visits differ in memory), then the registers in likely. rcx is kept,
 * and rax while the words are loaded into it.
 */
static void emit_first_compares(struct emitter *e, const uint64_t want[X86_NREGS],
				uint32_t likely, const struct x86_site_word *words, int nwords,
				uint32_t *done)
{
	static const uint8_t movabs_rax[] = {0x48, 0xa1};

	save_slot(e, 1, true);
	if (nwords) {
		save_slot(e, 0, true);
		e->rax_kept = true;
	}
	for (int i = 0; i < nwords; i++) {
		put(e, movabs_rax, sizeof(movabs_rax));
		put(e, &words[i].addr, 8);
		compare_early(e, 0, words[i].value);
	}
	if (nwords)
		save_slot(e, 0, false);
	for (size_t i = 0; i < NDIRECT && e->nfirst < FIRST_MAX; i++) {
		if (!(likely >> direct[i].idx & 1))
			continue;
		compare_first(e, direct[i].enc, want[direct[i].idx]);
		*done |= 1u << direct[i].idx;
		e->nfirst++;
	}
	if (!e->rax_kept) {
		save_slot(e, 0, true);
		e->rax_kept = true;
	}
}

/*
 * The compares: the words and the registers in likely first (above);
 * then, rax and rcx kept, rcx if likely, rsp, the likely registers left,
 * the other registers, rcx as kept, and the arithmetic flags (the
 * replayer weighs the others at the trap).
 */
static void emit_compares(struct emitter *e, const uint64_t want[X86_NREGS], uint32_t likely,
			  const struct x86_site_word *words, int nwords)
{
	static const uint8_t mov_rax_rcx[] = {0x48, 0x89, 0xc8};
	/* lahf; seto al; movzx eax, ax */
	static const uint8_t flags_rax[] = {0x9f, 0x0f, 0x90, 0xc0, 0x0f, 0xb7, 0xc0};
	uint32_t done = 0;

	emit_first_compares(e, want, likely, words, nwords, &done);
	for (int pass = 0; pass < 2; pass++) {
		bool rcx_now = pass == 0 ? (likely >> X86_RCX & 1) : !(done >> X86_RCX & 1);

		if (rcx_now) {
			save_slot(e, 1, false);
			put(e, mov_rax_rcx, sizeof(mov_rax_rcx));
			compare(e, 0, want[X86_RCX]);
			save_slot(e, 0, false);
			done |= 1u << X86_RCX;
		}
		if (pass == 0 && !(done >> X86_RSP & 1)) {
			compare(e, 4, want[X86_RSP]);
			done |= 1u << X86_RSP;
		}
		for (size_t i = 0; i < NDIRECT; i++) {
			bool now = pass == 0 ? (likely >> direct[i].idx & 1) : true;

			if (now && !(done >> direct[i].idx & 1)) {
				compare(e, direct[i].enc, want[direct[i].idx]);
				done |= 1u << direct[i].idx;
			}
		}
	}
	put(e, flags_rax, sizeof(flags_rax));
	compare(e, 0, lahf_seto(want[X86_EFLAGS]));
}

size_t x86_trampoline_build(uint8_t *out, uint64_t tramp, uint64_t saved,
			    const struct x86_site_move *move, const uint64_t want[X86_NREGS],
			    uint32_t likely, const struct x86_site_word *words, int nwords,
			    struct x86_trampoline_ips *ips)
{
	static const uint8_t int3 = 0xcc, jmp = 0xe9;
	struct emitter e = {.out = out,
			    .base = tramp,
			    .saved = saved,
			    .site = move->site,
			    .insn = move->insn,
			    .insn_len = move->insn_len,
			    .disp_offset = move->disp_offset};
	size_t to_orig, data;

	if (nwords > X86_SITE_MAX_WORDS)
		nwords = X86_SITE_MAX_WORDS;
	emit_compares(&e, want, likely, words, nwords);
	save_slot(&e, 0, false);
	save_slot(&e, 1, false);
	put(&e, &int3, 1);
	ips->trap = tramp + e.n;
	put(&e, &jmp, 1);
	to_orig = e.n;
	put32(&e, 0);
	for (int i = 0; i < e.nmiss; i++)
		fix(&e, e.miss_fix[i], e.n);
	ips->miss = tramp + e.n;
	save_slot(&e, 0, false);
	save_slot(&e, 1, false);
	fix(&e, to_orig, e.n);
	put_moved(&e);
	if (e.out_of_reach)
		return 0;

	data = (e.n + 7) & ~(size_t)7;
	memset(out + e.n, 0xcc, data - e.n);
	memcpy(out + data, e.values, (size_t)e.nvalues * 8);
	for (int i = 0; i < e.nfix; i++) {
		int slot = e.value_slot[i];
		size_t at = slot < SAVE_SLOTS ? (size_t)(saved - tramp) + (size_t)slot * 8
					      : data + (size_t)(slot - SAVE_SLOTS) * 8;

		fix(&e, e.value_fix[i], at);
	}
	return data + (size_t)e.nvalues * 8;
}

void x86_site_patch(uint8_t *out, uint64_t site, size_t insn_len, uint64_t tramp)
{
	int32_t rel = (int32_t)(tramp - (site + 5));

	out[0] = 0xe9;
	memcpy(out + 1, &rel, 4);
	memset(out + 5, 0x90, insn_len - 5);
}
