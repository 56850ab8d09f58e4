/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_ASYNC_MODULE_INIT_H
#define _LINUX_ASYNC_MODULE_INIT_H

#include <linux/async.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

/*
 * async_module_init - a built-in module's init, off the boot CPU's path
 * @fn: the module's init function, int (*)(void)
 *
 * Built in, @fn runs in an async worker while the boot CPU goes on with
 * the next initcalls, as a distribution's kernel loads the module from
 * its initramfs after boot. The kernel waits for every async worker
 * (async_synchronize_full()) before it frees init memory and starts
 * /init, so userspace finds the module ready. Only for modules that no
 * other initcall needs. Built as a module, @fn is its module_init().
 */
#ifdef MODULE
#define async_module_init(fn)	module_init(fn)
#else
#define async_module_init(fn)						\
	static void __init __async_init_##fn(void *data,		\
					     async_cookie_t cookie)	\
	{								\
		int ret = fn();						\
									\
		if (initcall_debug)					\
			pr_info("%s returned %d\n", __func__, ret);	\
	}								\
	static int __init __async_start_##fn(void)			\
	{								\
		async_schedule(__async_init_##fn, NULL);		\
		return 0;						\
	}								\
	module_init(__async_start_##fn)
#endif

#endif /* _LINUX_ASYNC_MODULE_INIT_H */
