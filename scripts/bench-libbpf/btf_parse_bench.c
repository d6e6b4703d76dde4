// Times libbpf's BTF parsing on one raw BTF blob: btf__new() on an in-memory copy (the same work as our
// BtfSpec.Parse: copy-free input, header/section checks, type offsets, per-type validation) and btf__parse_raw()
// (which also reads the file). Prints key=value lines for scripts/bench-btf.sh.
// Build: gcc -O2 -o btf_parse_bench btf_parse_bench.c -lbpf
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(*t), cmp_double);
	printf("%s_mean_us=%.1f\n%s_median_us=%.1f\n%s_min_us=%.1f\n", what, sum / n, what, t[n / 2], what, t[0]);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level; (void)fmt; (void)args;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s RAW_BTF_FILE [N]\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 200;
	if (n <= 0)
		n = 200;
	libbpf_set_print(silent);

	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t cap = 1 << 20, size = 0;
	unsigned char *buf = malloc(cap);
	for (;;) {
		if (size == cap)
			buf = realloc(buf, cap *= 2);
		size_t got = fread(buf + size, 1, cap - size, f);
		if (got == 0)
			break;
		size += got;
	}
	fclose(f);

	double *t = calloc(n, sizeof(double));
	for (int i = 0; i < 20; i++) { /* warm-up: caches, allocator */
		struct btf *btf = btf__new(buf, size);
		if (!btf) {
			fprintf(stderr, "btf__new failed: %d\n", -errno);
			return 1;
		}
		btf__free(btf);
	}
	int types = 0;
	for (int i = 0; i < n; i++) {
		double start = now_us();
		struct btf *btf = btf__new(buf, size);
		t[i] = now_us() - start;
		types = btf__type_cnt(btf) - 1;
		btf__free(btf);
	}
	printf("libbpf_blob=%s\nlibbpf_blob_bytes=%zu\nlibbpf_types=%d\nlibbpf_iterations=%d\n", path, size, types, n);
	report("btf_new", t, n);

	for (int i = 0; i < n; i++) {
		double start = now_us();
		struct btf *btf = btf__parse_raw(path);
		t[i] = now_us() - start;
		if (!btf) {
			fprintf(stderr, "btf__parse_raw failed: %d\n", -errno);
			return 1;
		}
		btf__free(btf);
	}
	report("btf_parse_raw", t, n);
	free(t);
	free(buf);
	return 0;
}
