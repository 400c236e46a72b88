// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing sysfs and procfs files from the kernel: xalloc's
 * reserve_segments parameter, and /proc/sys/vm/drop_caches. (debugfs
 * files are out of reach: kernel_read() and kernel_write() need
 * read_iter and write_iter, which they lack.)
 */
#include <linux/fs.h>
#include <linux/string.h>

#include "stress.h"

/**
 * stress_write_file() - write a string to a file
 * @path: the file
 * @text: what to write
 *
 * Return: 0 or a negative errno.
 */
int stress_write_file(const char *path, const char *text)
{
	struct file *file = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = kernel_write(file, text, strlen(text), &pos);
	filp_close(file, NULL);
	return ret < 0 ? ret : 0;
}

/**
 * stress_read_file() - read the start of a file as a string
 * @path: the file
 * @buf: where to put it, NUL-terminated, cut at the first white space
 * @len: size of @buf
 *
 * Return: 0 or a negative errno.
 */
int stress_read_file(const char *path, char *buf, size_t len)
{
	struct file *file = filp_open(path, O_RDONLY, 0);
	loff_t pos = 0;
	ssize_t ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = kernel_read(file, buf, len - 1, &pos);
	filp_close(file, NULL);
	if (ret < 0)
		return ret;
	buf[ret] = '\0';
	buf[strcspn(buf, " \t\n")] = '\0';
	return 0;
}
