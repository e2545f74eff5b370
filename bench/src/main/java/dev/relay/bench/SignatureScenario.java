package dev.relay.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link SignatureBenchmark} with JMH and {@code openssl speed ed25519} on the same machine. */
final class SignatureScenario {
    private static final Pattern OPENSSL_LINE =
            Pattern.compile("Ed25519\\)\\s+\\S+s\\s+\\S+s\\s+([\\d.]+)\\s+([\\d.]+)");

    private final boolean quick;

    SignatureScenario(boolean quick) {
        this.quick = quick;
    }

    /** Operations per second by name: bc/jdk/openssl sign/verify (openssl missing where it is not installed). */
    Map<String, Stats> run() throws RunnerException {
        Options options = new OptionsBuilder().include(SignatureBenchmark.class.getName() + "\\.")
                .forks(quick ? 0 : 1).threads(1)
                .warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 2 : 5).measurementTime(TimeValue.seconds(quick ? 1 : 2))
                .jvmArgsAppend("-Xmx256m").shouldFailOnError(true).verbosity(org.openjdk.jmh.runner.options
                        .VerboseMode.SILENT).build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Stats> perSecond = new LinkedHashMap<>();
        for (RunResult result : results) {
            String method = result.getParams().getBenchmark();
            String name = method.substring(method.lastIndexOf('.') + 1);
            var iterations = result.getBenchmarkResults().stream()
                    .flatMap(benchmark -> benchmark.getIterationResults().stream())
                    .map(iteration -> iteration.getPrimaryResult().getScore()).toList();
            perSecond.put(name, Stats.of(iterations));
        }
        List<Double> opensslSign = new ArrayList<>();
        List<Double> opensslVerify = new ArrayList<>();
        for (int round = 0; round < (quick ? 1 : 3); round++) {
            double[] openssl = openssl(quick ? 1 : 3);
            if (openssl != null) {
                opensslSign.add(openssl[0]);
                opensslVerify.add(openssl[1]);
            }
        }
        if (!opensslSign.isEmpty()) {
            perSecond.put("opensslSign", Stats.of(opensslSign));
            perSecond.put("opensslVerify", Stats.of(opensslVerify));
        }
        return perSecond;
    }

    /** sign/s and verify/s from {@code openssl speed -seconds N ed25519}, or null without openssl. */
    static double[] openssl(int seconds) {
        try {
            Process process = new ProcessBuilder("openssl", "speed", "-seconds", Integer.toString(seconds), "ed25519")
                    .redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(60, TimeUnit.SECONDS);
            Matcher line = OPENSSL_LINE.matcher(out);
            return line.find() ? new double[] {Double.parseDouble(line.group(1)), Double.parseDouble(line.group(2))}
                    : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
