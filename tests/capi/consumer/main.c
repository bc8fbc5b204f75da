/* A small app on the installed SDK. Without arguments: version, one validation, one secret scan.
 * With a bundle path (and an optional public key file): opens it, searches, and prints the open
 * time and the process's resident memory (docs/BENCHMARKS.md). */
#define _POSIX_C_SOURCE 200809L
#include <lantern/lantern.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long rss_kib(void) {
  char line[256];
  long kib = -1;
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
  }
  fclose(f);
  return kib;
}

static char* slurp(const char* path) {
  FILE* f = fopen(path, "rb");
  long n;
  char* s;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  s = malloc((size_t)n + 1);
  if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  s[n] = '\0';
  fclose(f);
  return s;
}

int main(int argc, char** argv) {
  char* out = NULL;
  lantern_status st;
  printf("lantern %s\n", lantern_version());
  if (lantern_version_number() / 100 != LANTERN_VERSION_NUMBER / 100) return 1;
  st = lantern_validate_field("{\"type\":\"address\",\"chain\":\"bitcoin\",\"text\":\"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\"}", &out);
  if (st != LANTERN_STATUS_OK || !strstr(out, "\"ok\":true")) {
    fprintf(stderr, "validate: %s %s\n", lantern_status_name(st), lantern_last_error());
    return 1;
  }
  printf("%s\n", out);
  lantern_free(out);
  st = lantern_scan_secrets("my 2FA code is 492113", NULL, &out);
  if (st != LANTERN_STATUS_OK || !strstr(out, "one_time_code")) return 1;
  lantern_free(out);
  if (argc > 1) {
    lantern_bundle* b = NULL;
    struct timespec t0, t1;
    long before = rss_kib();
    char* key = argc > 2 ? slurp(argv[2]) : NULL;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    st = lantern_bundle_open_file(argv[1], key, &b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != LANTERN_STATUS_OK) {
      fprintf(stderr, "open: %s: %s\n", lantern_status_name(st), lantern_last_error());
      return 1;
    }
    printf("open_ms %.2f\nrss_before_kib %ld\nrss_after_open_kib %ld\n",
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, before, rss_kib());
    if (lantern_bundle_search(b, "withdrawal", NULL, &out) != LANTERN_STATUS_OK) return 1;
    lantern_free(out);
    printf("rss_after_search_kib %ld\n", rss_kib());
    lantern_bundle_destroy(b);
    free(key);
  }
  puts("ok");
  return 0;
}
