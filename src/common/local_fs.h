/*
 * Filesystems whose reads neither block for long nor depend on another
 * process (statfs's f_type): what the recorder reads without scratch
 * buffers and the syscall buffer's library buffers. Header only, as the
 * library links nothing of rewind's.
 */
#ifndef REWIND_COMMON_LOCAL_FS_H
#define REWIND_COMMON_LOCAL_FS_H

#include <stdbool.h>

static inline bool rw_local_fs(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53:	 /* ext2/3/4 */
	case 0x01021994: /* tmpfs */
	case 0x858458f6: /* ramfs */
	case 0x58465342: /* xfs */
	case 0x9123683E: /* btrfs */
	case 0x794c7630: /* overlayfs */
	case 0x73717368: /* squashfs */
	case 0xF2F52010: /* f2fs */
		return true;
	default:
		return false;
	}
}

#endif
