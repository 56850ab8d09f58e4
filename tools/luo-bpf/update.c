// SPDX-License-Identifier: GPL-2.0
/*
 * update.c - "check" and "update": refuse a kexec the next kernel cannot
 * read, then load it and reboot into it.
 *
 * Every outgoing preserved file must be readable by the next kernel: its
 * native format (the file's compatible, or a BPF handler's backend) must
 * be one the image advertises (image.c reads it out of the bzImage), and
 * a BPF handler's file needs "luo-bpf-v1" in the image and, among the
 * handler objects that will be loaded there (--handlers DIR), one of the
 * same compatible whose schema is at least the state's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "image.h"
#include "luo-bpf.h"

/* The kernel log from now on (/dev/kmsg at its end), or -1. */
static int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Who refused the reboot: the kernel names the handler, session, token
 * and errno of each veto ("... vetoed the reboot for session 'S' token
 * T: -16", "... freeze failed (-16), reboot aborted"). Show those lines,
 * with the errno's name.
 */
static void show_vetoes(int fd)
{
	char rec[1024], *text, *nl, *num;
	ssize_t n;
	long e;

	if (fd < 0)
		return;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text || (!strstr(text, "the reboot for session") &&
			      !strstr(text, "reboot aborted") &&
			      !strstr(text, "freeze would fail")))
			continue;
		nl = strchr(++text, '\n');
		if (nl)
			*nl = '\0';
		/* The errno follows ": -" or "(-"; a program's reason follows it. */
		num = strstr(text, ": -") ?: strstr(text, "(-");
		e = num ? strtol(num + (num[0] == ':' ? 3 : 2), NULL, 10) : 0;
		if (e > 0 && e < 4096 && strerrorname_np(e))
			p_err("kernel: %s [%s]", text, strerrorname_np(e));
		else
			p_err("kernel: %s", text);
	}
	close(fd);
}

/* The kernel's freeze without a reboot (luo_core.c). */
#define FREEZE_DRY_RUN	"/sys/kernel/debug/liveupdate/freeze_dry_run"

/*
 * Ask every preserved file's handler whether it would freeze, as the
 * reboot will, without rebooting; show each veto as the reboot would.
 */
static int freeze_dry_run(void)
{
	int fd, kmsg, err = 0;

	fd = open(FREEZE_DRY_RUN, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return p_err("cannot ask the handlers (%s: %s): needs debugfs mounted and a kernel with LUO",
			     FREEZE_DRY_RUN, strerror(errno));
	kmsg = kmsg_from_now();
	if (write(fd, "1", 1) != 1)
		err = errno;
	close(fd);
	show_vetoes(kmsg);
	if (!err) {
		p_info("dry run: every handler would freeze; nothing was loaded or rebooted");
		return LUO_EXIT_OK;
	}
	p_err("dry run: the reboot would be refused: %s (%s); nothing was loaded or rebooted",
	      strerror(err), strerrorname_np(err) ?: "?");
	return LUO_EXIT_REFUSED;
}

/* Where a kernel booted with retain_initrd keeps its initramfs. */
#define RUNNING_INITRD	"/sys/firmware/initrd"

#define LUO_BPF_FORMAT	"luo-bpf-v1"
#define MAX_HANDLERS	64

struct next_handler {
	char compatible[48];
	unsigned int schema;
	char obj[PATH_MAX];
};

/* Compatible and schema of each luo_bpf_ops map in the objects of @dir. */
static int read_handlers(const char *dir, struct next_handler *h, int *n)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	*n = 0;
	if (!d)
		return p_err("cannot read handler directory %s: %s", dir,
			     strerror(errno));
	libbpf_set_print(NULL);
	while ((de = readdir(d)) && *n < MAX_HANDLERS) {
		char path[PATH_MAX];
		struct bpf_object *obj;
		struct bpf_map *map;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 6, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		obj = bpf_object__open_file(path, NULL);
		if (!obj)
			continue;
		bpf_object__for_each_map(map, obj) {
			const struct btf *btf = bpf_object__btf(obj);
			const struct btf_type *t;
			const struct btf_member *m;
			const char *data;
			int c_off = -1, s_off = -1, i;
			size_t size;

			if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
				continue;
			t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
			if (!t || strcmp(btf__name_by_offset(btf, t->name_off),
					 "luo_bpf_ops"))
				continue;
			m = btf_members(t);
			for (i = 0; i < btf_vlen(t); i++, m++) {
				const char *mn = btf__name_by_offset(btf, m->name_off);

				if (!strcmp(mn, "compatible"))
					c_off = btf_member_bit_offset(t, i) / 8;
				else if (!strcmp(mn, "schema"))
					s_off = btf_member_bit_offset(t, i) / 8;
			}
			data = bpf_map__initial_value(map, &size);
			if (!data || c_off < 0 || s_off < 0 ||
			    (size_t)c_off + 48 > size || (size_t)s_off + 4 > size ||
			    *n == MAX_HANDLERS)
				continue;
			snprintf(h[*n].compatible, sizeof(h[0].compatible),
				 "%.47s", data + c_off);
			memcpy(&h[*n].schema, data + s_off, 4);
			snprintf(h[*n].obj, sizeof(h[0].obj), "%s", path);
			(*n)++;
		}
		bpf_object__close(obj);
	}
	closedir(d);
	return LUO_EXIT_OK;
}

/*
 * Check @image against the outgoing files; print the verdict. Returns
 * LUO_EXIT_OK, LUO_EXIT_REFUSED (something would be lost) or an error.
 */
static int check(const char *image, const char *handlers)
{
	struct next_handler next[MAX_HANDLERS];
	struct luo_file_row *rows;
	struct luo_image *img;
	int i, j, n, nh = 0, lost = 0, out = 0, err;
	char why[256];

	img = luo_image_open(image, why, sizeof(why));
	if (!img)
		return p_err("%s: %s", image, why);
	if (handlers && read_handlers(handlers, next, &nh)) {
		luo_image_close(img);
		return LUO_EXIT_ERROR;
	}
	err = luo_iter_files(&rows, &n);
	if (err) {
		luo_image_close(img);
		return err;
	}
	if (json_output) {
		json_begin_object();
		json_string("image", image);
		json_string("version", luo_image_version(img));
		json_key_array("files");
	} else {
		printf("checking %s (%s)\n", image, luo_image_version(img));
	}
	for (i = 0; i < n; i++) {
		struct luo_file_row *r = &rows[i];
		const char *fmt = r->schema >= 0 ? r->backend : r->compatible;
		const char *how = "";

		if (strcmp(r->status, "outgoing"))
			continue;
		out++;
		why[0] = '\0';
		if (!luo_image_reads(img, fmt, &how)) {
			snprintf(why, sizeof(why), "the image cannot read '%s'",
				 fmt);
		} else if (r->schema >= 0 &&
			   !luo_image_reads(img, LUO_BPF_FORMAT, &how)) {
			snprintf(why, sizeof(why), "the image has no BPF handlers (%s)",
				 LUO_BPF_FORMAT);
		} else if (r->schema >= 0) {
			for (j = 0; j < nh; j++)
				if (!strcmp(next[j].compatible, r->compatible) &&
				    next[j].schema >= (unsigned int)r->schema)
					break;
			if (j == nh)
				snprintf(why, sizeof(why),
					 "no handler '%s' of schema >= %d %s",
					 r->compatible, r->schema,
					 handlers ? "in the handler directory" :
						    "given (--handlers DIR)");
		}
		lost += !!why[0];
		if (json_output) {
			json_begin_object();
			json_string("session", r->session);
			json_u64("token", r->token);
			json_string("compatible", r->compatible);
			json_string("format", fmt);
			json_bool("readable", !why[0]);
			json_string("reason", why);
			json_end_object();
		} else if (why[0]) {
			printf("LOST  session '%s' token %llu (%s): %s\n",
			       r->session, r->token, r->compatible, why);
		} else {
			printf("ok    session '%s' token %llu (%s)\n", r->session,
			       r->token, r->compatible);
		}
	}
	if (json_output) {
		json_end_array();
		json_u64("outgoing", out);
		json_u64("lost", lost);
		json_end_object();
	} else {
		printf("%d outgoing files, %d would be lost\n", out, lost);
	}
	free(rows);
	luo_image_close(img);
	return lost ? LUO_EXIT_REFUSED : LUO_EXIT_OK;
}

static int check_help(void)
{
	printf("Usage: %s check --kernel IMAGE [--handlers DIR]\n"
	       "       %s check help\n"
	       "\n"
	       "Can the kernel in IMAGE (a bzImage) read every file preserved now?\n"
	       "Native formats must be advertised in the image (\"luo-format:NAME\"\n"
	       "strings; for kernels without them, the format name must occur in the\n"
	       "image). Files of BPF handlers also need luo-bpf-v1 in the image and a\n"
	       "handler object in DIR (*.bpf.o, to be loaded in the new kernel) of\n"
	       "the same compatible and a schema at least the state's.\n"
	       "Prints one line per file; exit code 3 if any would be lost.\n",
	       prog_name, prog_name);
	return LUO_EXIT_OK;
}

int do_check(int argc, char **argv)
{
	const char *image = NULL, *handlers = NULL;
	int i;

	if (argc && is_help(argv[0]))
		return check_help();
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
			image = argv[++i];
		else if (!strcmp(argv[i], "--handlers") && i + 1 < argc)
			handlers = argv[++i];
		else
			return p_usage("check", "unknown argument '%s'", argv[i]);
	}
	if (!image)
		return p_usage("check", "--kernel IMAGE is required");
	return check(image, handlers);
}

/* Is @arg's key ("key" of "key=value") among the words of @list? */
static bool key_in(const char *arg, const char *list)
{
	size_t klen = strcspn(arg, "=");
	const char *p = list;

	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n && strcspn(p, "=") >= klen && !strncmp(p, arg, klen) &&
		    (p[klen] == '=' || p[klen] == ' ' || !p[klen]))
			return true;
		p += n;
	}
	return false;
}

/* The running kernel's command line, with @append replacing same keys. */
static int next_cmdline(const char *append, char *out, size_t len)
{
	char cur[4096], *w, *save;
	size_t used = 0;
	ssize_t n;
	int fd = open("/proc/cmdline", O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, cur, sizeof(cur) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	cur[n] = '\0';
	cur[strcspn(cur, "\n")] = '\0';
	out[0] = '\0';
	for (w = strtok_r(cur, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (append && key_in(w, append))
			continue;
		used += snprintf(out + used, len - used, "%s%s", used ? " " : "", w);
		if (used >= len)
			return -E2BIG;
	}
	if (append)
		used += snprintf(out + used, len - used, "%s%s", used ? " " : "",
				 append);
	return used >= len ? -E2BIG : 0;
}

/* Is systemd PID 1 (its own test, sd_booted(3))? */
static bool systemd_booted(void)
{
	struct stat st;

	return !lstat("/run/systemd/system", &st) && S_ISDIR(st.st_mode);
}

static int update_help(void)
{
	printf("Usage: %s update --kernel IMAGE [--initrd FILE | --no-initrd]\n"
	       "                 [--append ARGS] [--handlers DIR] [--force] [--dry-run]\n"
	       "                 [--direct]\n"
	       "       %s update help\n"
	       "\n"
	       "Live-update into IMAGE: run check (refuse if any preserved file would\n"
	       "be lost, unless --force), load IMAGE with kexec_file_load (KHO hands\n"
	       "the preserved memory over), and reboot into it. The new command line\n"
	       "is the running one with ARGS added, replacing arguments of the same\n"
	       "name. If a handler vetoes the reboot, nothing is lost: the error is\n"
	       "printed and the sessions stay as they were.\n"
	       "\n"
	       "--dry-run stops after check and asks every handler whether it would\n"
	       "freeze (a veto is printed as the reboot would print it; exit 3),\n"
	       "without loading IMAGE or rebooting. A handler sees the calls of a\n"
	       "refused reboot: freeze, then unfreeze.\n"
	       "\n"
	       "Without --initrd, the running initramfs is used again if the kernel\n"
	       "kept it (booted with retain_initrd: %s); otherwise the update is\n"
	       "refused, as a kernel booted without the initramfs it needs would find\n"
	       "no init and every preserved file would be lost. --no-initrd boots\n"
	       "IMAGE without one, for a kernel that needs none.\n"
	       "\n"
	       "Under systemd the reboot is systemd's: once IMAGE is loaded, update\n"
	       "runs \"systemctl kexec\", so that every service stops first (a VM's unit\n"
	       "saves the VM) and file systems are unmounted; the agent's unit holds\n"
	       "the sessions to the end. A handler that refuses the freeze that late\n"
	       "makes systemd fall back to a cold reboot: ask them first (--dry-run)\n"
	       "when nothing has to stop for them to agree. --direct reboots at once,\n"
	       "without stopping any service.\n",
	       prog_name, prog_name, RUNNING_INITRD);
	return LUO_EXIT_OK;
}

/*
 * The initramfs for IMAGE: @initrd if given; else, unless @none, the one
 * the running kernel kept. Returns an fd, -1 for none, or -2 (said why).
 */
static int open_initrd(const char *initrd, bool none)
{
	int fd;

	if (initrd) {
		fd = open(initrd, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			p_err("%s: %s", initrd, strerror(errno));
			return -2;
		}
		return fd;
	}
	if (none)
		return -1;
	fd = open(RUNNING_INITRD, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		p_info("no --initrd: using the running initramfs again (%s)",
		       RUNNING_INITRD);
		return fd;
	}
	p_err("update refused: no --initrd, and the running initramfs was not kept (%s: %s; boot with retain_initrd to keep it). A kernel booted without the initramfs it needs finds no init and every preserved file is lost: pass --initrd FILE, or --no-initrd if IMAGE needs none",
	      RUNNING_INITRD, strerror(errno));
	return -2;
}

int do_update(int argc, char **argv)
{
	const char *image = NULL, *initrd = NULL, *append = NULL;
	const char *handlers = NULL;
	char cmdline[4096];
	bool force = false, no_initrd = false, dry_run = false, direct = false;
	int i, err, kfd, ifd = -1, kmsg;
	unsigned long flags = 0;
	struct stat st;

	if (argc && is_help(argv[0]))
		return update_help();
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
			image = argv[++i];
		else if (!strcmp(argv[i], "--initrd") && i + 1 < argc)
			initrd = argv[++i];
		else if (!strcmp(argv[i], "--append") && i + 1 < argc)
			append = argv[++i];
		else if (!strcmp(argv[i], "--handlers") && i + 1 < argc)
			handlers = argv[++i];
		else if (!strcmp(argv[i], "--no-initrd"))
			no_initrd = true;
		else if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else if (!strcmp(argv[i], "--direct"))
			direct = true;
		else
			return p_usage("update", "unknown argument '%s'", argv[i]);
	}
	if (!image)
		return p_usage("update", "--kernel IMAGE is required");
	if (initrd && no_initrd)
		return p_usage("update", "--initrd and --no-initrd exclude each other");

	err = check(image, handlers);
	if (err == LUO_EXIT_REFUSED && !force) {
		p_err("update refused: the new kernel would lose preserved files (--force to go on)");
		return LUO_EXIT_REFUSED;
	}
	if (err && err != LUO_EXIT_REFUSED)
		return err;
	if (dry_run)
		return freeze_dry_run();

	err = next_cmdline(append, cmdline, sizeof(cmdline));
	if (err)
		return p_err("cannot build the command line: %s", strerror(-err));
	kfd = open(image, O_RDONLY | O_CLOEXEC);
	if (kfd < 0 || fstat(kfd, &st))
		return p_err("%s: %s", image, strerror(errno));
	ifd = open_initrd(initrd, no_initrd);
	if (ifd == -2) {
		close(kfd);
		return LUO_EXIT_REFUSED;
	}
	if (ifd < 0)
		flags |= KEXEC_FILE_NO_INITRAMFS;
	p_info("loading %s (%lld KiB) with command line: %s", image,
	       (long long)st.st_size / 1024, cmdline);
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1,
		    cmdline, flags))
		return p_err("kexec_file_load: %s", strerror(errno));
	if (!direct && systemd_booted()) {
		p_info("%s loaded; systemd reboots into it (systemctl kexec) once every service has stopped",
		       image);
		fflush(NULL);
		execlp("systemctl", "systemctl", "kexec", (char *)NULL);
		err = errno;
		syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, KEXEC_FILE_UNLOAD);
		return p_err("cannot run systemctl kexec: %s; %s is unloaded",
			     strerror(err), image);
	}
	p_info("rebooting into %s: handlers freeze, sessions are handed over", image);
	kmsg = kmsg_from_now();
	sync();
	reboot(LINUX_REBOOT_CMD_KEXEC);
	err = errno;
	/* Still here: a handler refused the freeze; unload the image. */
	syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, KEXEC_FILE_UNLOAD);
	show_vetoes(kmsg);
	return p_err("reboot refused: %s (%s); nothing was handed over, every session is as it was",
		     strerror(err), strerrorname_np(err));
}
