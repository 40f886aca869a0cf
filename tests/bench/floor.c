/* SPDX-License-Identifier: MIT */
/*
 * tests/bench/floor.c: the floors `check` is measured against, programs
 * that make only the system calls the work needs and nothing else.
 *
 * usage: floor stat DIR   list DIR, one fstatat per *.py file (what a
 *                         cached check cannot avoid)
 *        floor read DIR   list DIR, then on two threads open, read whole
 *                         and close every *.py file (what a check that
 *                         reads every file cannot avoid)
 *        floor move LIST  for each line "OLD<tab>NEW" of LIST: read OLD,
 *                         write its bytes to a temporary beside NEW, make
 *                         them durable (fsync, on four threads as fix
 *                         does), rename it to NEW, remove OLD, then sync
 *                         each directory once (what any tool that moves
 *                         and rewrites files durably cannot avoid; no
 *                         journal, no index)
 *
 * Prints the number of files and of bytes read; exits 2 on an error.
 * Built by tests/bench/run.sh with the system's cc; not part of the tool.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **names;
static size_t nnames;
static int dirfd_;

static void *read_half(void *arg)
{
	size_t first = (size_t)(arg != NULL), bytes = 0;
	static __thread char buf[65536];

	for (size_t i = first; i < nnames; i += 2) {
		int fd = openat(dirfd_, names[i], O_RDONLY);
		ssize_t k;
		if (fd < 0)
			exit(2);
		while ((k = read(fd, buf, sizeof(buf))) > 0)
			bytes += (size_t)k;
		close(fd);
	}
	return (void *)bytes;
}

/* ------------------------------------------------------------- move */

typedef struct {
	char *old_path, *new_path, *tmp;
	int fd;
} move_op;

static move_op *moves;
static size_t nmoves;

static void *sync_quarter(void *arg)
{
	for (size_t i = (size_t)arg; i < nmoves; i += 4)
		if (fsync(moves[i].fd) != 0)
			exit(2);
	return NULL;
}

static int sync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;
	int fd;
	if (n >= sizeof(dir))
		return -1;
	memcpy(dir, slash ? path : ".", n);
	dir[n] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	(void)fsync(fd);
	close(fd);
	return 0;
}

static int move_files(const char *list)
{
	FILE *f = fopen(list, "r");
	char line[8192];
	size_t alloc = 0, bytes = 0;
	pthread_t t[4];
	static char buf[1 << 20];

	if (!f) {
		perror(list);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		if (!tab)
			continue;
		if (nl)
			*nl = '\0';
		*tab = '\0';
		if (nmoves == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			if (!(moves = realloc(moves, alloc * sizeof(*moves))))
				return 2;
		}
		moves[nmoves].old_path = strdup(line);
		moves[nmoves].new_path = strdup(tab + 1);
		moves[nmoves].tmp = malloc(strlen(tab + 1) + 8);
		if (!moves[nmoves].old_path || !moves[nmoves].new_path || !moves[nmoves].tmp)
			return 2;
		sprintf(moves[nmoves].tmp, "%s.fltmp", tab + 1);
		nmoves++;
	}
	fclose(f);
	for (size_t i = 0; i < nmoves; i++) {
		int in = open(moves[i].old_path, O_RDONLY);
		struct stat st;
		ssize_t k;
		if (in < 0 || fstat(in, &st) != 0 || st.st_size >= (off_t)sizeof(buf) ||
		    (k = read(in, buf, sizeof(buf))) < 0)
			return 2;
		close(in);
		moves[i].fd = open(moves[i].tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (moves[i].fd < 0 || write(moves[i].fd, buf, (size_t)k) != k)
			return 2;
		bytes += (size_t)k;
	}
	for (size_t q = 1; q < 4; q++)
		if (pthread_create(&t[q], NULL, sync_quarter, (void *)q) != 0)
			return 2;
	sync_quarter((void *)0);
	for (size_t q = 1; q < 4; q++)
		pthread_join(t[q], NULL);
	for (size_t i = 0; i < nmoves; i++)
		if (close(moves[i].fd) != 0 || rename(moves[i].tmp, moves[i].new_path) != 0 ||
		    unlink(moves[i].old_path) != 0)
			return 2;
	for (size_t i = 0; i < nmoves; i++) {
		size_t k;
		for (k = 0; k < i; k++) {
			const char *a = strrchr(moves[i].new_path, '/');
			const char *b = strrchr(moves[k].new_path, '/');
			size_t la = a ? (size_t)(a - moves[i].new_path) : 0;
			size_t lb = b ? (size_t)(b - moves[k].new_path) : 0;
			if (la == lb && !strncmp(moves[i].new_path, moves[k].new_path, la))
				break;
		}
		if (k == i && sync_dir_of(moves[i].new_path) != 0)
			return 2;
	}
	printf("%zu files moved, %zu bytes\n", nmoves, bytes);
	return 0;
}

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	size_t alloc = 0, bytes = 0;

	if (argc == 3 && !strcmp(argv[1], "move"))
		return move_files(argv[2]);
	if (argc != 3 || (strcmp(argv[1], "stat") && strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: floor stat|read DIR | floor move LIST\n");
		return 2;
	}
	if ((dirfd_ = open(argv[2], O_RDONLY | O_DIRECTORY)) < 0 ||
	    !(d = opendir(argv[2]))) {
		perror(argv[2]);
		return 2;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l <= 3 || strcmp(e->d_name + l - 3, ".py"))
			continue;
		if (nnames == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			if (!(names = realloc(names, alloc * sizeof(*names))))
				return 2;
		}
		if (!(names[nnames++] = strdup(e->d_name)))
			return 2;
	}
	closedir(d);
	if (!strcmp(argv[1], "stat")) {
		for (size_t i = 0; i < nnames; i++) {
			struct stat st;
			if (fstatat(dirfd_, names[i], &st, 0) != 0)
				return 2;
			bytes += (size_t)st.st_size;
		}
	} else {
		pthread_t t;
		void *other;
		if (pthread_create(&t, NULL, read_half, (void *)1) != 0)
			return 2;
		bytes = (size_t)read_half(NULL);
		pthread_join(t, &other);
		bytes += (size_t)other;
	}
	printf("%zu files, %zu bytes\n", nnames, bytes);
	return 0;
}
