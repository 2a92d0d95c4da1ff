/*
 * floor: the benchmark's floor — the least work a client can do per Docker API call.
 *
 * One Unix-socket connection, opened once and kept alive; each request is one write() of a
 * prebuilt HTTP/1.1 request; the answer is read with recv() into one buffer and only framed
 * (status line, Content-Length or chunked transfer). No JSON is decoded, nothing is allocated
 * per call, nothing is retried. Every other contender is reported as a ratio to this.
 *
 * It also carries the harness's process timer (posix_spawn + waitpid, CLOCK_MONOTONIC), so that
 * one-process-per-call contenders are timed without a Python interpreter in the loop.
 *
 * Modes:
 *   floor serve SOCKET API        read commands on stdin, answer one line each (see below)
 *   floor once SOCKET API ls      one process, one GET /networks, body to stdout (start-up floor)
 *   floor spawn                   read "N<TAB>argv…[<TAB>;;<TAB>argv…]" lines, time N runs of the
 *                                 command sequence, answer "OK cpu=NS ns …" (children's output to
 *                                 /dev/null; "ERR …" when one exits non-zero)
 *
 * Answers are "OK cpu=NS ns ns …": the CPU time (user + system) the batch cost the client — this
 * process in `serve`, the children in `spawn` — then one wall-clock duration per iteration.
 *
 * serve commands (N iterations each, answer "OK cpu=NS ns ns …" or "ERR message"):
 *   ping N | ls N | inspect N NAME | createrm N NAME SUBNET LABELKEY | conndisc N NET CTR
 *   get N PATH   (any GET, e.g. /version: used by bench/profile.sh)
 *
 * Build: gcc -O2 -o floor floor.c   (bench/run.sh does it)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BUF_SIZE (1 << 20)

static int fd = -1;
static char *rbuf;          /* receive buffer */
static size_t rpos, rlen;   /* unread bytes are rbuf[rpos..rlen) */
static char reqbuf[16384];
static char errmsg[512];

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time (user + system) of this process, or of its waited-for children. */
static uint64_t cpu_ns(int children) {
    if (!children) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

static int connect_unix(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) return -1;
    strcpy(addr.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(s);
        return -1;
    }
    return s;
}

static int send_all(const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Makes at least `need` unread bytes available (compacting the buffer first if needed). */
static int fill(size_t need) {
    if (rlen - rpos >= need) return 0;
    if (rpos > 0) {
        memmove(rbuf, rbuf + rpos, rlen - rpos);
        rlen -= rpos;
        rpos = 0;
    }
    while (rlen < need) {
        if (rlen == BUF_SIZE) return -1;
        ssize_t r = recv(fd, rbuf + rlen, BUF_SIZE - rlen, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) return -1;
        rlen += (size_t)r;
    }
    return 0;
}

/* Index of "\r\n" (or of "\r\n\r\n" when `blank`) at or after rpos, reading more as needed. */
static long find_crlf(int blank) {
    const char *pat = blank ? "\r\n\r\n" : "\r\n";
    size_t plen = blank ? 4 : 2;
    for (;;) {
        char *hit = memmem(rbuf + rpos, rlen - rpos, pat, plen);
        if (hit) return hit - rbuf;
        if (fill(rlen - rpos + 1) < 0) return -1;
    }
}

/* Consumes `n` body bytes, copying them to `sink` when not NULL. */
static int take(size_t n, FILE *sink) {
    while (n > 0) {
        if (rpos == rlen && fill(1) < 0) return -1;
        size_t k = rlen - rpos < n ? rlen - rpos : n;
        if (sink) fwrite(rbuf + rpos, 1, k, sink);
        rpos += k;
        n -= k;
    }
    return 0;
}

/* Reads one response; returns the status code, or -1 on a transport error. The body is
 * framed and consumed (written to `sink` when given); an error body is kept in errmsg. */
static int read_response(FILE *sink, int head) {
    long end = find_crlf(1);
    if (end < 0) return -1;
    char *h = rbuf + rpos;
    size_t hlen = (size_t)end - rpos + 4;
    if (hlen < 12 || memcmp(h, "HTTP/1.", 7) != 0) return -1;
    int status = atoi(h + 9);
    long clen = -1;
    int chunked = 0;
    /* Header names are case-insensitive; Go writes them canonicalised but do not rely on it. */
    for (char *line = memchr(h, '\n', hlen); line && line < h + hlen; line = memchr(line, '\n', h + hlen - line)) {
        line++;
        if (strncasecmp(line, "content-length:", 15) == 0) clen = strtol(line + 15, NULL, 10);
        else if (strncasecmp(line, "transfer-encoding:", 18) == 0) {
            const char *v = line + 18;
            while (*v == ' ') v++;
            if (strncasecmp(v, "chunked", 7) == 0) chunked = 1;
        }
    }
    rpos = (size_t)end + 4;
    FILE *out = sink;
    size_t errstart = 0;
    errmsg[0] = 0;
    if (head || status == 204 || status == 304 || (status >= 100 && status < 200)) return status;
    if (chunked) {
        for (;;) {
            long e = find_crlf(0);
            if (e < 0) return -1;
            unsigned long n = strtoul(rbuf + rpos, NULL, 16);
            rpos = (size_t)e + 2;
            if (n == 0) {
                /* trailers (none from Docker) end with an empty line */
                for (;;) {
                    long t = find_crlf(0);
                    if (t < 0) return -1;
                    int empty = (size_t)t == rpos;
                    rpos = (size_t)t + 2;
                    if (empty) break;
                }
                break;
            }
            if (status >= 300 && errstart + n < sizeof errmsg - 1) {
                if (fill(n) < 0) return -1;
                memcpy(errmsg + errstart, rbuf + rpos, n);
                errstart += n;
                errmsg[errstart] = 0;
                rpos += n;
            } else if (take(n, out) < 0) return -1;
            if (fill(2) < 0) return -1;
            rpos += 2;
        }
    } else if (clen > 0) {
        if (status >= 300 && (size_t)clen < sizeof errmsg - 1) {
            if (fill((size_t)clen) < 0) return -1;
            memcpy(errmsg, rbuf + rpos, (size_t)clen);
            errmsg[clen] = 0;
            rpos += (size_t)clen;
        } else if (take((size_t)clen, out) < 0) return -1;
    } else if (clen < 0) {
        return -1; /* close-delimited bodies are not expected on a keep-alive connection */
    }
    return status;
}

/* One request/response; returns the status, or -1. */
static int roundtrip(const char *method, const char *path, const char *body, FILE *sink) {
    int n;
    if (body) {
        n = snprintf(reqbuf, sizeof reqbuf,
                     "%s %s HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, strlen(body), body);
    } else {
        n = snprintf(reqbuf, sizeof reqbuf, "%s %s HTTP/1.1\r\nHost: docker\r\n\r\n", method, path);
    }
    if (n <= 0 || (size_t)n >= sizeof reqbuf) return -1;
    if (send_all(reqbuf, (size_t)n) < 0) return -1;
    return read_response(sink, strcmp(method, "HEAD") == 0);
}

static int ok(int status) { return status >= 200 && status < 300; }

static void reply_err(const char *what, int status) {
    /* One line: strip newlines from the daemon's message. */
    for (char *p = errmsg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    if (status < 0) printf("ERR %s: transport error (%s)\n", what, strerror(errno));
    else printf("ERR %s: HTTP %d %s\n", what, status, errmsg);
    fflush(stdout);
}

static int serve(const char *sock, const char *api) {
    fd = connect_unix(sock);
    if (fd < 0) {
        fprintf(stderr, "floor: cannot connect to %s: %s\n", sock, strerror(errno));
        return 1;
    }
    static uint64_t samples[100000];
    char line[4096], path[1024], path2[1024], body[2048];
    while (fgets(line, sizeof line, stdin)) {
        char op[32], a[512] = "", b[512] = "", c[256] = "";
        long n = 0;
        int got = sscanf(line, "%31s %ld %511s %511s %255s", op, &n, a, b, c);
        if (got < 1) continue;
        if (strcmp(op, "quit") == 0) break;
        if (n <= 0 || n > 100000) {
            printf("ERR bad count in: %s", line);
            fflush(stdout);
            continue;
        }
        int st = 0;
        const char *what = op;
        uint64_t cpu0 = cpu_ns(0);
        for (long i = 0; i < n; i++) {
            uint64_t t0 = now_ns();
            if (strcmp(op, "ping") == 0) {
                st = roundtrip("GET", "/_ping", NULL, NULL);
            } else if (strcmp(op, "get") == 0) {
                st = roundtrip("GET", a, NULL, NULL);
            } else if (strcmp(op, "ls") == 0) {
                snprintf(path, sizeof path, "/v%s/networks", api);
                st = roundtrip("GET", path, NULL, NULL);
            } else if (strcmp(op, "inspect") == 0) {
                snprintf(path, sizeof path, "/v%s/networks/%s", api, a);
                st = roundtrip("GET", path, NULL, NULL);
            } else if (strcmp(op, "createrm") == 0) {
                snprintf(path, sizeof path, "/v%s/networks/create", api);
                snprintf(body, sizeof body,
                         "{\"Name\":\"%s\",\"CheckDuplicate\":true,\"Driver\":\"bridge\","
                         "\"IPAM\":{\"Config\":[{\"Subnet\":\"%s\"}]},\"Labels\":{\"%s\":\"1\"}}",
                         a, b, c);
                st = roundtrip("POST", path, body, NULL);
                if (ok(st)) {
                    snprintf(path2, sizeof path2, "/v%s/networks/%s", api, a);
                    st = roundtrip("DELETE", path2, NULL, NULL);
                    what = "createrm (rm)";
                } else what = "createrm (create)";
            } else if (strcmp(op, "conndisc") == 0) {
                snprintf(path, sizeof path, "/v%s/networks/%s/connect", api, a);
                snprintf(body, sizeof body, "{\"Container\":\"%s\"}", b);
                st = roundtrip("POST", path, body, NULL);
                if (ok(st)) {
                    snprintf(path2, sizeof path2, "/v%s/networks/%s/disconnect", api, a);
                    snprintf(body, sizeof body, "{\"Container\":\"%s\",\"Force\":false}", b);
                    st = roundtrip("POST", path2, body, NULL);
                    what = "conndisc (disconnect)";
                } else what = "conndisc (connect)";
            } else {
                printf("ERR unknown op %s\n", op);
                fflush(stdout);
                st = -2;
                break;
            }
            samples[i] = now_ns() - t0;
            if (!ok(st)) break;
        }
        if (st == -2) continue;
        if (!ok(st)) {
            reply_err(what, st);
            if (st < 0) return 1;
            continue;
        }
        printf("OK cpu=%llu", (unsigned long long)(cpu_ns(0) - cpu0));
        for (long i = 0; i < n; i++) printf(" %llu", (unsigned long long)samples[i]);
        fputc('\n', stdout);
        fflush(stdout);
    }
    return 0;
}

static int once(const char *sock, const char *api, const char *op) {
    if (strcmp(op, "ls") != 0) {
        fprintf(stderr, "floor once: only `ls`\n");
        return 2;
    }
    fd = connect_unix(sock);
    if (fd < 0) {
        fprintf(stderr, "floor: cannot connect to %s: %s\n", sock, strerror(errno));
        return 1;
    }
    char path[256];
    snprintf(path, sizeof path, "/v%s/networks", api);
    int st = roundtrip("GET", path, NULL, stdout);
    if (!ok(st)) {
        reply_err("ls", st);
        return 1;
    }
    fputc('\n', stdout);
    return 0;
}

/* Runs one command (argv) with stdout/stderr to /dev/null; returns its exit status. */
static int run_one(char **argv) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return 127;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int spawn_loop(void) {
    static char line[65536];
    static uint64_t samples[100000];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (!*line) continue;
        if (strcmp(line, "quit") == 0) break;
        /* fields split on TAB: N, then argv words, ";;" separating commands */
        char *fields[1024];
        int nf = 0;
        for (char *tok = strtok(line, "\t"); tok && nf < 1023; tok = strtok(NULL, "\t")) fields[nf++] = tok;
        long n = nf > 1 ? strtol(fields[0], NULL, 10) : 0;
        if (n <= 0 || n > 100000) {
            printf("ERR bad spawn line\n");
            fflush(stdout);
            continue;
        }
        int starts[64], nstart = 0;
        starts[nstart++] = 1;
        for (int i = 1; i < nf; i++) {
            if (strcmp(fields[i], ";;") == 0) {
                fields[i] = NULL;
                if (nstart < 64) starts[nstart++] = i + 1;
            }
        }
        fields[nf] = NULL;
        int failed = 0, rc = 0, which = 0;
        uint64_t cpu0 = cpu_ns(1);
        for (long i = 0; i < n && !failed; i++) {
            uint64_t t0 = now_ns();
            for (int k = 0; k < nstart; k++) {
                rc = run_one(&fields[starts[k]]);
                if (rc != 0) {
                    failed = 1;
                    which = k;
                    break;
                }
            }
            samples[i] = now_ns() - t0;
        }
        if (failed) {
            printf("ERR command %d (%s) exited %d\n", which + 1, fields[starts[which]], rc);
        } else {
            printf("OK cpu=%llu", (unsigned long long)(cpu_ns(1) - cpu0));
            for (long i = 0; i < n; i++) printf(" %llu", (unsigned long long)samples[i]);
            fputc('\n', stdout);
        }
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv) {
    rbuf = malloc(BUF_SIZE);
    if (!rbuf) return 1;
    if (argc == 4 && strcmp(argv[1], "serve") == 0) return serve(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "once") == 0) return once(argv[2], argv[3], argv[4]);
    if (argc == 2 && strcmp(argv[1], "spawn") == 0) return spawn_loop();
    fprintf(stderr, "usage: floor serve SOCKET API | floor once SOCKET API ls | floor spawn\n");
    return 2;
}
