package dev.releasepilot.rules.matcher;

import com.google.re2j.PatternSyntaxException;

/**
 * Bounds on a regex before re2j compiles it. RE2 refuses what Go's parser limits (nesting deeper than
 * 1,000, programs too large), but re2j 1.8 does not: 100,000 nested groups overflow its recursive
 * compiler, and {@code ((((a{100}){100}){100}){100})} asks for 100 million instructions and runs out of
 * memory. This scan estimates the compiled size as RE2 does (a repetition multiplies the size of what
 * it repeats, alternatives add up) and refuses a regex above {@link #MAX_SIZE} or nested deeper than
 * {@link #MAX_NESTING} groups, so a rule file can neither crash nor exhaust the loader.
 */
final class RegexLimits {
    /** Groups inside groups; real matchers use a handful. */
    static final int MAX_NESTING = 100;
    /** Estimated instructions; {@code a{1000}} (RE2's largest single count) is 1,000. */
    static final long MAX_SIZE = 100_000;

    private RegexLimits() {
    }

    /** @throws PatternSyntaxException naming the limit, when the regex is beyond one */
    static void check(String re) {
        long[] total = new long[MAX_NESTING + 2]; // per open group: size so far
        long[] last = new long[MAX_NESTING + 2];  // per open group: size of its last atom (what a repetition repeats)
        int depth = 0;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            long atom = 1;
            switch (c) {
                case '\\' -> {
                    i = skipEscape(re, i);
                }
                case '[' -> i = skipClass(re, i);
                case '(' -> {
                    if (++depth > MAX_NESTING) {
                        throw new PatternSyntaxException("regex nests deeper than " + MAX_NESTING + " groups", re);
                    }
                    total[depth] = 0;
                    last[depth] = 0;
                    continue;
                }
                case ')' -> {
                    if (depth == 0) {
                        continue; // unbalanced: re2j reports it
                    }
                    atom = Math.max(1, total[depth--]);
                }
                case '*', '+', '?' -> {
                    total[depth] = capped(total[depth] + 1);
                    continue;
                }
                case '|' -> {
                    total[depth] = capped(total[depth] + 1);
                    last[depth] = 0;
                    continue;
                }
                case '{' -> {
                    int close = re.indexOf('}', i);
                    long count = close < 0 ? -1 : repeatCount(re.substring(i + 1, close));
                    if (count >= 0) {
                        long repeated = capped(last[depth] * Math.max(count, 1));
                        total[depth] = capped(total[depth] - last[depth] + repeated);
                        last[depth] = repeated;
                        i = close;
                        check(total[depth], re);
                        continue;
                    }
                }
                default -> {
                }
            }
            total[depth] = capped(total[depth] + atom);
            last[depth] = atom;
            check(total[depth], re);
        }
    }

    private static void check(long size, String re) {
        if (size > MAX_SIZE) {
            throw new PatternSyntaxException("regex too large: its repetitions would compile to more than " + MAX_SIZE
                    + " instructions", re);
        }
    }

    private static long capped(long v) {
        return Math.min(v, MAX_SIZE + 1);
    }

    // {n}, {n,}, {n,m}: the largest count it allows (n + 1 for an open end), or -1 when it is a literal brace.
    private static long repeatCount(String inside) {
        if (!inside.matches("\\d{1,9}(,\\d{0,9})?")) {
            return -1;
        }
        int comma = inside.indexOf(',');
        if (comma < 0) {
            return Long.parseLong(inside);
        }
        long n = Long.parseLong(inside.substring(0, comma));
        return comma == inside.length() - 1 ? n + 1 : Math.max(n, Long.parseLong(inside.substring(comma + 1)));
    }

    // The index of the last character of the escape starting at i (\Q…\E, \p{…}, \x{…} included).
    private static int skipEscape(String re, int i) {
        if (i + 1 >= re.length()) {
            return i;
        }
        char e = re.charAt(i + 1);
        if (e == 'Q') {
            int end = re.indexOf("\\E", i + 2);
            return end < 0 ? re.length() - 1 : end + 1;
        }
        if ((e == 'p' || e == 'P' || e == 'x') && i + 2 < re.length() && re.charAt(i + 2) == '{') {
            int end = re.indexOf('}', i + 2);
            return end < 0 ? re.length() - 1 : end;
        }
        return i + 1;
    }

    // The index of the ']' closing the class opening at i ([]a], [^]a], [[:alpha:]] and escapes included).
    private static int skipClass(String re, int i) {
        int j = i + 1;
        if (j < re.length() && re.charAt(j) == '^') {
            j++;
        }
        if (j < re.length() && re.charAt(j) == ']') {
            j++;
        }
        for (; j < re.length(); j++) {
            char c = re.charAt(j);
            if (c == '\\') {
                j = skipEscape(re, j);
            } else if (c == '[' && j + 1 < re.length() && re.charAt(j + 1) == ':') {
                int end = re.indexOf(":]", j + 2);
                j = end < 0 ? j : end + 1;
            } else if (c == ']') {
                return j;
            }
        }
        return re.length() - 1;
    }
}
