/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runner_internal.h - what the parts of the runner share (runner.c,
 * runner_stage.c, runner_log.c, runner_util.c); tests use luo_test.h.
 */
#ifndef RUNNER_INTERNAL_H
#define RUNNER_INTERNAL_H

#include <stddef.h>

#define CMDLINE_MAX	2048

struct luo_test;

/* runner.c: the registered tests, and the one this boot runs. */
extern const struct luo_test **runner_tests;
extern int runner_nr_tests;
extern const struct luo_test *runner_cur_test;
extern int runner_cur_stage;
int runner_stages_of(const struct luo_test *t);

/* runner_stage.c: the kernel command line. */
void runner_read_cmdline(void);
const char *runner_cmdline_get(const char *key, char *buf, size_t len);

/* runner_log.c: the kernel log. */
void runner_report_kmsg(void);
int runner_check_log(const char *name, const char *path);

#endif /* RUNNER_INTERNAL_H */
