/* SPDX-License-Identifier: GPL-2.0 */
/* include/xalloc.h outside the kernel: the types come from the user boundary. */
#include "../../xalloc_os_user.h"
