#define _XOPEN_SOURCE 700 /* realpath */
#include "core/util.h"

#include <sys/stat.h>

#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog_name = "node-ode";

void set_progname(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    prog_name = slash ? slash + 1 : argv0;
}

const char *progname(void) { return prog_name; }

double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int err_set(err_t *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void (*die_hook)(void);

void set_die_hook(void (*hook)(void)) { die_hook = hook; }

void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (die_hook)
        die_hook();
    exit(1);
}

void *xmalloc_at(size_t n, const char *file, int line)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("%s:%d: out of memory allocating %zu bytes", file, line, n);
    return p;
}

void *xcalloc_at(size_t n, size_t size, const char *file, int line)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("%s:%d: out of memory allocating %zu x %zu bytes", file, line, n, size);
    return p;
}

void *xrealloc_at(void *p, size_t n, const char *file, int line)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("%s:%d: out of memory reallocating %zu bytes", file, line, n);
    return p;
}

/* Temporary files of atomic outputs not yet committed or aborted.  They
 * are removed when the process exits without committing them (die, an
 * error path that forgets atomic_abort) and on SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE (the handler unlinks them, then re-raises the signal with its
 * default action), so an interrupted command leaves nothing beside its
 * targets.  A fixed table: unlink is async-signal-safe, malloc is not. */
#define ATOMIC_MAX_OPEN 64
#define ATOMIC_TMP_MAX 4096
static char pending_tmp[ATOMIC_MAX_OPEN][ATOMIC_TMP_MAX];
static volatile sig_atomic_t pending_used[ATOMIC_MAX_OPEN];

static void unlink_pending(void)
{
    for (int i = 0; i < ATOMIC_MAX_OPEN; i++)
        if (pending_used[i]) {
            unlink(pending_tmp[i]);
            pending_used[i] = 0;
        }
}

static void on_fatal_signal(int sig)
{
    unlink_pending();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_cleanup(void)
{
    static int installed = 0;
    if (installed)
        return;
    installed = 1;
    atexit(unlink_pending);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        /* A signal the caller ignores (e.g. SIGINT of a background job)
         * stays ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

static void pending_add(const char *tmp)
{
    for (int i = 0; i < ATOMIC_MAX_OPEN; i++)
        if (!pending_used[i] && strlen(tmp) < ATOMIC_TMP_MAX) {
            memcpy(pending_tmp[i], tmp, strlen(tmp) + 1);
            pending_used[i] = 1;
            return;
        }
}

static void pending_remove(const char *tmp)
{
    for (int i = 0; i < ATOMIC_MAX_OPEN; i++)
        if (pending_used[i] && strcmp(pending_tmp[i], tmp) == 0) {
            pending_used[i] = 0;
            return;
        }
}

/* Removes "<path>.tmp.XXXXXX" files a killed earlier run left (SIGKILL, a
 * crash): nobody else writes that target while this command does. */
static void remove_stale_tmp(const char *path)
{
    if (strpbrk(path, "*?[\\"))
        return; /* not a safe glob pattern */
    size_t n = strlen(path);
    char *pattern = xmalloc(n + 16);
    snprintf(pattern, n + 16, "%s.tmp.??????", path);
    glob_t g;
    if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            unlink(g.gl_pathv[i]);
        globfree(&g);
    }
    free(pattern);
}

int atomic_open(atomic_file_t *af, const char *path, err_t *e)
{
    install_cleanup();
    af->fp = NULL;
    af->path = af->tmp_path = NULL;
    /* Refused up front, not at the rename after the work: a directory at
     * the path (the rename would fail then). */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return err_set(e, "%s: is a directory, not a file to write", path);
    remove_stale_tmp(path);
    size_t n = strlen(path);
    af->path = xmalloc(n + 1);
    memcpy(af->path, path, n + 1);
    af->tmp_path = xmalloc(n + 16);
    snprintf(af->tmp_path, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        err_set(e, "%s: cannot create temporary file: %s", path, strerror(errno));
        free(af->path);
        free(af->tmp_path);
        af->path = af->tmp_path = NULL;
        return -1;
    }
    /* mkstemp makes the file private (0600); give it the permissions an
     * ordinary output file gets (0666 less the umask). */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    pending_add(af->tmp_path);
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        close(fd);
        unlink(af->tmp_path);
        pending_remove(af->tmp_path);
        err_set(e, "%s: cannot open temporary file: %s", path, strerror(errno));
        free(af->path);
        free(af->tmp_path);
        af->path = af->tmp_path = NULL;
        return -1;
    }
    return 0;
}

int atomic_commit(atomic_file_t *af, err_t *e)
{
    int bad = ferror(af->fp);
    if (fclose(af->fp) != 0)
        bad = 1;
    af->fp = NULL;
    if (bad) {
        unlink(af->tmp_path);
        err_set(e, "%s: write failed: %s", af->path, strerror(errno));
    } else if (rename(af->tmp_path, af->path) != 0) {
        bad = 1;
        err_set(e, "%s: cannot rename temporary file into place: %s", af->path,
                strerror(errno));
        unlink(af->tmp_path);
    }
    pending_remove(af->tmp_path);
    free(af->path);
    free(af->tmp_path);
    af->path = af->tmp_path = NULL;
    return bad ? -1 : 0;
}

int atomic_commit_all(atomic_file_t *const *afs, size_t n, err_t *e)
{
    /* Phase 1: flush and close every file; a write error in any one aborts
     * them all, so no target has changed yet. */
    for (size_t i = 0; i < n; i++) {
        if (!afs[i] || !afs[i]->fp)
            continue;
        int bad = ferror(afs[i]->fp);
        if (fclose(afs[i]->fp) != 0)
            bad = 1;
        afs[i]->fp = NULL;
        if (bad) {
            err_set(e, "%s: write failed: %s", afs[i]->path, strerror(errno));
            for (size_t j = 0; j < n; j++)
                if (afs[j])
                    atomic_abort(afs[j]);
            return -1;
        }
    }
    /* Phase 2: rename each into place (same directory, so only a vanished
     * directory can fail here). */
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!afs[i] || !afs[i]->tmp_path)
            continue;
        if (rc == 0 && rename(afs[i]->tmp_path, afs[i]->path) != 0)
            rc = err_set(e, "%s: cannot rename temporary file into place: %s", afs[i]->path,
                         strerror(errno));
        atomic_abort(afs[i]); /* unlinks a tmp left after a failure, frees the names */
    }
    return rc;
}

void atomic_abort(atomic_file_t *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp_path) {
        unlink(af->tmp_path);
        pending_remove(af->tmp_path);
    }
    free(af->path);
    free(af->tmp_path);
    af->fp = NULL;
    af->path = af->tmp_path = NULL;
}

/* A path's identity: device and inode if it exists, and the real path of its
 * directory joined with its base name (the path itself if the directory
 * cannot be resolved). */
typedef struct {
    int exists;
    dev_t dev;
    ino_t ino;
    char *name;
} file_id_t;

static void file_id(const char *path, file_id_t *id)
{
    struct stat st;
    id->exists = stat(path, &st) == 0;
    id->dev = id->exists ? st.st_dev : 0;
    id->ino = id->exists ? st.st_ino : 0;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/')
            slash = path + i;
    const char *base = slash ? slash + 1 : path;
    size_t base_len = n - (size_t)(base - path);
    char *dir = xmalloc(n + 2);
    if (!slash)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    char *real = realpath(dir, NULL);
    free(dir);
    if (!real) {
        id->name = xmalloc(n + 1);
        memcpy(id->name, path, n);
        id->name[n] = '\0';
        return;
    }
    size_t r = strlen(real);
    id->name = xmalloc(r + base_len + 2);
    memcpy(id->name, real, r);
    id->name[r] = '/';
    memcpy(id->name + r + 1, base, base_len);
    id->name[r + 1 + base_len] = '\0';
    free(real);
}

static int same_file(const file_id_t *a, const file_id_t *b)
{
    if (a->exists && b->exists)
        return a->dev == b->dev && a->ino == b->ino;
    return strcmp(a->name, b->name) == 0;
}

int check_io_paths(const io_path_t *inputs, size_t n_inputs, const io_path_t *outputs,
                   size_t n_outputs, err_t *e)
{
    size_t n = n_inputs + n_outputs;
    file_id_t *ids = xcalloc(n, sizeof *ids);
    const io_path_t **args = xcalloc(n, sizeof *args);
    for (size_t i = 0; i < n; i++) {
        args[i] = i < n_inputs ? &inputs[i] : &outputs[i - n_inputs];
        if (args[i]->path)
            file_id(args[i]->path, &ids[i]);
    }
    int status = 0;
    /* Each output against the inputs and the outputs before it. */
    for (size_t o = n_inputs; o < n && !status; o++) {
        if (!args[o]->path)
            continue;
        for (size_t j = 0; j < o && !status; j++) {
            if (!args[j]->path || !same_file(&ids[o], &ids[j]))
                continue;
            if (j < n_inputs)
                status = err_set(e, "%s '%s' is the input %s '%s': refusing to overwrite it",
                                 args[o]->what, args[o]->path, args[j]->what, args[j]->path);
            else
                status = err_set(e, "%s '%s' and %s '%s' are the same file: one output "
                                    "would destroy the other",
                                 args[j]->what, args[j]->path, args[o]->what, args[o]->path);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i].name);
    free(ids);
    free(args);
    return status;
}

int read_file(const char *path, char **out, size_t *len, err_t *e)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return err_set(e, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            if (!grown)
                die("out of memory reading %s", path);
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return err_set(e, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

int text_refuse_nul(const char *path, const char *text, size_t len, err_t *e)
{
    const char *nul = memchr(text, '\0', len);
    if (!nul)
        return 0;
    int line = 1;
    for (const char *c = text; c < nul; c++)
        line += *c == '\n';
    return err_set(e, "%s:%d: NUL byte (not a text file)", path, line);
}

int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (!s || !*s)
        return -1;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s)
        return -1;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}
