/* SPDX-License-Identifier: MIT */
/*
 * lock: one writer at a time per project.
 *
 * Owns: `<state dir>/lock`, created with O_CREAT|O_EXCL (like git's
 * index.lock) and holding "pid hostname start-time\n" (start time in UTC,
 * 2024-03-01T10:00:00Z).  Every command and hook that writes takes it
 * first.  A lock whose holder is gone is stale and is taken over: same
 * host and kill(pid, 0) fails with ESRCH, or a lock file that is empty or
 * unparseable and more than GMF_LOCK_STALE_SECONDS old (a holder killed
 * between creating and writing it).  A lock held at exit() is removed by
 * an atexit handler (only in the process that took it, not in a forked
 * child); a process killed by a signal leaves it, and the next run finds
 * it stale.  Creating it is a fault-injection point ("lock", see fs.h).
 *
 * Not re-entrant: a process holds at most one lock; a second
 * gmf_lock_acquire while one is held fails at once with GMF_EUSAGE rather
 * than waiting on itself.
 *
 * Must never: remove a lock whose holder may still run (a holder on
 * another host is never judged stale); remove a lock it did not create
 * when releasing (the file's identity is checked first); print or exit.
 */
#ifndef GMF_LOCK_H
#define GMF_LOCK_H

#define GMF_LOCK_STALE_SECONDS 10
/* GIT_MIGRATE_FIX_LOCK_TIMEOUT (milliseconds, digits only) overrides the
 * caller's wait. */
#define GMF_LOCK_TIMEOUT_ENV "GIT_MIGRATE_FIX_LOCK_TIMEOUT"

typedef struct gmf_lock {
	char *path;  /* NULL when not held */
	unsigned long long dev, ino;
} gmf_lock;

#define GMF_LOCK_INIT { NULL, 0, 0 }

/* Takes the lock of state_dir (which must exist), waiting up to wait_ms
 * for a live holder to let go.  *note (if note is not NULL) is set to
 * NULL, or to "removed a stale lock left by process N" (caller frees).
 * GMF_ECONFLICT when still held at the end of the wait (the message names
 * the holder and the file to remove if it is gone); GMF_EUSAGE when this
 * process already holds a lock or the environment's timeout is not a
 * number; GMF_EIO when the file cannot be created. */
int gmf_lock_acquire(gmf_lock *out, const char *state_dir, unsigned wait_ms,
		     char **note);
/* Removes the lock if l holds it; safe to call on one not held. */
void gmf_lock_release(gmf_lock *l);

#endif
