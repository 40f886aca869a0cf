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

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	size_t alloc = 0, bytes = 0;

	if (argc != 3 || (strcmp(argv[1], "stat") && strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: floor stat|read DIR\n");
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
