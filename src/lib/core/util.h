/* Small shared helpers: error reporting, checked allocation, atomic output.
 *
 * Library code never exits: it returns a status and writes a message into a
 * caller-owned `struct err`.  Executables turn that into one line on stderr
 * naming the file and the problem, then exit non-zero (die()). */
#ifndef NODE_CORE_UTIL_H
#define NODE_CORE_UTIL_H

#include <stddef.h>
#include <stdio.h>

#define ERR_MSG_LEN 512

typedef struct {
    char msg[ERR_MSG_LEN];
} err_t;

/* Formats into e->msg (if e is not NULL) and returns -1, so that callers can
 * write `return err_set(e, "%s: truncated", path);`. */
int err_set(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "prog: message" to stderr and exits with status 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A command's own ending for die(), run after the message instead of
 * exit(1) (which follows if it returns): train, in an MPI group, aborts the
 * whole group rather than leaving the others waiting.  NULL: none. */
void set_die_hook(void (*hook)(void));


/* Program name used by die(); set once in main(). */
void set_progname(const char *argv0);
const char *progname(void);

/* Allocation that dies with file:line on failure.  Every buffer has one
 * owner that frees it. */
#define xmalloc(n) xmalloc_at((n), __FILE__, __LINE__)
#define xcalloc(n, s) xcalloc_at((n), (s), __FILE__, __LINE__)
void *xmalloc_at(size_t n, const char *file, int line);
void *xcalloc_at(size_t n, size_t size, const char *file, int line);
#define xrealloc(p, n) xrealloc_at((p), (n), __FILE__, __LINE__)
void *xrealloc_at(void *p, size_t n, const char *file, int line);
/* Makes room for one more element in a growing array arr of n elements
 * and capacity cap (doubling from 16). */
#define GROW(arr, n, cap)                                                  \
    do {                                                                   \
        if ((n) == (cap)) {                                                \
            (cap) = (cap) ? 2 * (cap) : 16;                                \
            (arr) = xrealloc((arr), (size_t)(cap) * sizeof *(arr));        \
        }                                                                  \
    } while (0)

/* Atomic output: write to "<path>.tmp.XXXXXX" in the same directory, then
 * rename over <path> on commit.  Abort (or a crash) leaves <path> untouched,
 * so Make never sees a half-written target.  Uncommitted temporary files are
 * removed at exit and on SIGINT, SIGTERM, SIGHUP and SIGPIPE (handlers
 * installed by the first atomic_open), and atomic_open removes any
 * "<path>.tmp.XXXXXX" an earlier killed run left. */
typedef struct {
    FILE *fp;
    char *path;
    char *tmp_path;
} atomic_file_t;

int atomic_open(atomic_file_t *af, const char *path, err_t *e);
int atomic_commit(atomic_file_t *af, err_t *e);
/* All or nothing for a command's several outputs: closes every open file
 * (NULL entries and aborted files are skipped) and, only if every one was
 * written without error, renames each into place; otherwise removes every
 * temporary file and leaves every target as it was.  Open all of a command's
 * outputs with atomic_open before its work (so that an unwritable
 * destination fails first) and commit them with this at the end. */
int atomic_commit_all(atomic_file_t *const *afs, size_t n, err_t *e);
void atomic_abort(atomic_file_t *af);

/* A command's file argument: the option that names it ("--model") and the
 * path (NULL = not given, skipped). */
typedef struct {
    const char *what;
    const char *path;
} io_path_t;

/* Refuses (-1, naming both options and paths) two outputs that are the same
 * file, or an output that is one of the inputs, before anything is written.
 * Files are the same when both exist with one device and inode (symlinks and
 * hard links included) or when the real path of their directories plus their
 * base names agree (for files not yet written). */
int check_io_paths(const io_path_t *inputs, size_t n_inputs, const io_path_t *outputs,
                   size_t n_outputs, err_t *e);

/* Reads a whole file into a malloc'd buffer (NUL-terminated). */
int read_file(const char *path, char **out, size_t *len, err_t *e);

/* Refuses (-1, naming the file and the line) a text of len bytes that holds a
 * NUL byte, which would end it early and silently drop every line after it. */
int text_refuse_nul(const char *path, const char *text, size_t len, err_t *e);

/* Wall-clock seconds from a monotonic clock, for timing steps. */
double monotonic_seconds(void);

/* Strict number parsing: the whole string must be consumed. */
int parse_double(const char *s, double *out);
int parse_long(const char *s, long *out);

/* The index of name in names (n of them), or -1: the parsing of every
 * enumerated setting (methods, activations, losses, backends). */
int name_index(const char *const *names, int n, const char *name);

#endif
