/* test_ini.c -- the INI reader (base/ini): sections and keys with their file
 * and line, comments, includes (relative, overriding, cycles, missing), the
 * errors a callback returns located at file:line, and syntax errors. */
#include "base/ini.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

/* Every callback as one line "S file:line name" / "K file:line [sec] key=value". */
typedef struct calls {
    char text[4096];
    const char *refuse; /* a key or section name to refuse */
} calls;

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static base_status on_section(void *u, const char *file, int line, const char *name, base_err *err)
{
    calls *l = u;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "S %s:%d %s\n", base_name(file), line, name);
    if (l->refuse && !strcmp(name, l->refuse))
        return base_err_set(err, BASE_ENOTFOUND, NULL, 0, "unknown section [%s]", name);
    return BASE_OK;
}

static base_status on_key(void *u, const base_ini_item *it, base_err *err)
{
    calls *l = u;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "K %s:%d [%s] %s=%s\n", base_name(it->file), it->line,
             it->section, it->key, it->value);
    if (l->refuse && !strcmp(it->key, l->refuse))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "bad key %s", it->key);
    return BASE_OK;
}

static const base_ini_handlers handlers = {on_section, on_key, "include"};

/* Parse path and expect the formatted error want ("" for success). */
static void expect(const char *path, const char *refuse, const char *want_log, const char *want)
{
    calls l = {"", refuse};
    base_err e = BASE_ERR_INIT;
    base_status st = base_ini_parse(path, &handlers, &l, &e);
    char got[1024];
    base_err_format(&e, got, sizeof got);
    if (!*want) {
        if (st) fprintf(stderr, "\n  unexpected error: %s\n", got);
        CU_ASSERT_EQUAL(st, BASE_OK);
    } else {
        if (strcmp(got, want)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
        CU_ASSERT_NOT_EQUAL(st, BASE_OK);
        CU_ASSERT_STRING_EQUAL(got, want);
    }
    if (want_log) {
        if (strcmp(l.text, want_log)) fprintf(stderr, "\n  log:\n%s  want:\n%s", l.text, want_log);
        CU_ASSERT_STRING_EQUAL(l.text, want_log);
    }
}

static void test_items(void)
{
    test_write_file("inc.ini", "[b]\nx = 1\n");
    const char *p = test_write_file("main.ini", "; comment\n"
                                                "# another\n"
                                                "top = 0\n"
                                                "[a]\n"
                                                "k = v   ; inline comment\n"
                                                "k2: with spaces  \n"
                                                "include = inc.ini\n"
                                                "y = 2\n"
                                                "[empty]\n");
    expect(p, NULL,
           "K main.ini:3 [] top=0\n"
           "S main.ini:4 a\n"
           "K main.ini:5 [a] k=v\n"
           "K main.ini:6 [a] k2=with spaces\n"
           "S inc.ini:1 b\n"
           "K inc.ini:2 [b] x=1\n"
           "K main.ini:8 [a] y=2\n" /* inih keeps the including file's section */
           "S main.ini:9 empty\n",
           "");
    /* no include key: the include line is an ordinary key */
    calls l = {"", NULL};
    base_ini_handlers plain = {on_section, on_key, NULL};
    CU_ASSERT_EQUAL(base_ini_parse(p, &plain, &l, NULL), BASE_OK);
    CU_ASSERT(strstr(l.text, "K main.ini:7 [a] include=inc.ini\n") != NULL);
}

static void test_errors(void)
{
    char want[1024];
    const char *p = test_write_file("e1.ini", "[a]\nk = 1\nbad = 2\n");
    snprintf(want, sizeof want, "%s:3: bad key bad", p);
    expect(p, "bad", NULL, want);
    p = test_write_file("e2.ini", "[a]\n[nope]\nk = 1\n");
    snprintf(want, sizeof want, "%s:2: unknown section [nope]", p);
    expect(p, "nope", "S e2.ini:1 a\nS e2.ini:2 nope\n", want); /* stops there */
    p = test_write_file("e3.ini", "[a]\nno equals here\n");
    snprintf(want, sizeof want, "%s:2: syntax error: expected [section], key = value or a comment",
             p);
    expect(p, NULL, NULL, want);
    p = test_write_file("e4.ini", "[a\n");
    snprintf(want, sizeof want, "%s:1: syntax error: section header without ']'", p);
    expect(p, NULL, NULL, want);
    char longline[400];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "k = ", 4);
    longline[sizeof longline - 2] = '\n';
    longline[sizeof longline - 1] = 0;
    p = test_write_file("e5.ini", longline);
    snprintf(want, sizeof want, "%s:1: line too long (max 196 characters)", p);
    expect(p, NULL, NULL, want);
    expect("/nonexistent/x.ini", NULL, NULL,
           "/nonexistent/x.ini: cannot open: No such file or directory");
}

static void test_includes(void)
{
    char want[1024];
    const char *p = test_write_file("i1.ini", "[a]\ninclude = missing.ini\n");
    snprintf(want, sizeof want,
             "%s:2: cannot open include '%s/missing.ini': No such file or directory", p,
             test_tmpdir());
    expect(p, NULL, NULL, want);
    test_write_file("cy_a.ini", "include = cy_b.ini\n");
    const char *b = test_write_file("cy_b.ini", "[a]\nk = 1\ninclude = cy_a.ini\n");
    snprintf(want, sizeof want, "%s:3: include cycle: '%s/cy_a.ini' includes itself", b,
             test_tmpdir());
    char a[600];
    snprintf(a, sizeof a, "%s/cy_a.ini", test_tmpdir());
    expect(a, NULL, NULL, want);
    /* an error inside an include names the included file */
    test_write_file("in_bad.ini", "[a]\nbad = 1\n");
    p = test_write_file("i2.ini", "[a]\ninclude = in_bad.ini\n");
    snprintf(want, sizeof want, "%s/in_bad.ini:2: bad key bad", test_tmpdir());
    expect(p, "bad", NULL, want);
    /* nesting depth */
    test_write_file("self.ini", "include = self.ini\n");
    snprintf(a, sizeof a, "%s/self.ini", test_tmpdir());
    snprintf(want, sizeof want, "%s:1: include cycle: '%s/self.ini' includes itself", a,
             test_tmpdir());
    expect(a, NULL, NULL, want);
}

static void test_join_path(void)
{
    char buf[256];
    base_ini_join_path("dir/a.ini", "b.ini", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "dir/b.ini");
    base_ini_join_path("a.ini", "b.ini", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "b.ini");
    base_ini_join_path("./a.ini", "b.ini", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "b.ini");
    base_ini_join_path("dir/a.ini", "/abs/b.ini", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "/abs/b.ini");
    base_ini_join_path(NULL, "b.ini", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "b.ini");
    base_ini_join_path("dir/a.ini", "", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(base_ini_parse(NULL, &handlers, NULL, NULL), BASE_EINVAL);
}

int main(void)
{
    static const test_case cases[] = {
        {"sections and keys with file:line, comments, includes", test_items},
        {"callback and syntax errors name file:line", test_errors},
        {"include errors: missing, cycle, inside an include", test_includes},
        {"paths relative to the including file", test_join_path},
        {NULL, NULL},
    };
    return test_main("ini", cases);
}
