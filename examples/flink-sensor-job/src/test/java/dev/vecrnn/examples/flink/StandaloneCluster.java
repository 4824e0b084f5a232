package dev.vecrnn.examples.flink;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Flink standalone session cluster on this machine, each process a JVM of its own, started the way Flink's
 * {@code bin/jobmanager.sh}, {@code bin/taskmanager.sh} and {@code bin/flink} start them from a distribution:
 * the class path is Flink's (its lib/), the JVM options come from {@code config.yaml}
 * ({@code env.java.opts.all} and the per-process {@code env.java.opts.jobmanager}, {@code .taskmanager},
 * {@code .client}), and the memory options and dynamic properties from Flink's own {@code BashJavaUtils}.
 * Flink's distribution archive is not on Maven Central; its jars are, and they are all the scripts run.
 */
final class StandaloneCluster implements AutoCloseable {
    /** The options a Flink distribution's config.yaml gives every Flink JVM on Java 17 (module openings Flink needs). */
    static final String FLINK_JAVA_17_OPTIONS = String.join(" ",
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private final Path conf;
    private final Path logs;
    private final String classpath;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final int restPort;
    private final List<Process> processes = new ArrayList<>();

    private StandaloneCluster(Path home, String classpath, int restPort) {
        this.conf = home.resolve("conf");
        this.logs = home.resolve("log");
        this.classpath = classpath;
        this.restPort = restPort;
    }

    /**
     * Writes {@code home/conf/config.yaml} (with {@code extraConfig} lines appended), starts a JobManager and
     * one TaskManager of {@code slots} slots, and returns once the TaskManager has registered.
     */
    static StandaloneCluster start(Path home, String classpath, int slots, String... extraConfig) throws Exception {
        StandaloneCluster c = new StandaloneCluster(home, classpath, freePort());
        Files.createDirectories(c.conf);
        Files.createDirectories(c.logs);
        List<String> yaml = new ArrayList<>(List.of(
                "env.java.opts.all: " + FLINK_JAVA_17_OPTIONS,
                "jobmanager.rpc.address: localhost",
                "jobmanager.rpc.port: " + freePort(),
                "jobmanager.bind-host: localhost",
                "jobmanager.memory.process.size: 1024m",
                "taskmanager.host: localhost",
                "taskmanager.bind-host: localhost",
                "taskmanager.numberOfTaskSlots: " + slots,
                "taskmanager.memory.process.size: 1280m",
                "rest.address: localhost",
                "rest.bind-address: localhost",
                "rest.port: " + c.restPort,
                "parallelism.default: 1"));
        yaml.addAll(Arrays.asList(extraConfig));
        Files.write(c.conf.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
        Files.writeString(c.conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.console.ref = Console",
                "appender.console.name = Console",
                "appender.console.type = CONSOLE",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n", ""));
        try {
            Configuration config = GlobalConfiguration.loadConfiguration(c.conf.toString());
            c.launch(c.daemon(config, CoreOptions.FLINK_JM_JVM_OPTIONS, "GET_JM_RESOURCE_PARAMS",
                    "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"), "jobmanager.log");
            c.launch(c.daemon(config, CoreOptions.FLINK_TM_JVM_OPTIONS, "GET_TM_RESOURCE_PARAMS",
                    "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"), "taskmanager.log");
            c.awaitTaskManagers(1, Duration.ofMinutes(2));
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    /**
     * A JobManager's or TaskManager's command line: java, the memory options BashJavaUtils computes,
     * env.java.opts.all and the process's own options, logging, Flink's class path, the entry point, the
     * configuration directory and BashJavaUtils' dynamic properties ({@code -D key=value}).
     */
    private List<String> daemon(Configuration config, ConfigOption<String> own, String resources, String main)
            throws IOException, InterruptedException {
        List<String> result = bashJavaUtils(resources);
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(words(result.get(result.size() - 2)));
        cmd.addAll(words(config.get(CoreOptions.FLINK_JVM_OPTIONS)));
        cmd.addAll(words(config.get(own)));
        cmd.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        cmd.addAll(List.of("-cp", classpath, main, "--configDir", conf.toString()));
        cmd.addAll(words(result.get(result.size() - 1)));
        return cmd;
    }

    /** What Flink's scripts ask BashJavaUtils for: the lines after its result marker. */
    private List<String> bashJavaUtils(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java, "-cp", classpath, "org.apache.flink.runtime.util.bash.BashJavaUtils", command,
                "--configDir", conf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("BashJavaUtils " + command + " failed:\n" + out);
        List<String> lines = new ArrayList<>();
        String marker = "BASH_JAVA_UTILS_EXEC_RESULT:";
        for (String line : out.split("\n")) if (line.startsWith(marker)) lines.add(line.substring(marker.length()).trim());
        if (lines.size() < 2) throw new IllegalStateException("BashJavaUtils " + command + " gave no result:\n" + out);
        return lines;
    }

    private void launch(List<String> cmd, String log) throws IOException {
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve(log).toFile()).start());
    }

    /** Polls the REST API's overview until {@code n} TaskManagers have registered. */
    private void awaitTaskManagers(int n, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest overview = HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/overview")).timeout(Duration.ofSeconds(5)).build();
        Pattern registered = Pattern.compile("\"taskmanagers\"\\s*:\\s*(\\d+)");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) throw new IllegalStateException("a cluster process exited (" + p.exitValue() + ")\n" + logs());
            }
            try {
                Matcher m = registered.matcher(http.send(overview, HttpResponse.BodyHandlers.ofString()).body());
                if (m.find() && Integer.parseInt(m.group(1)) >= n) return;
            } catch (IOException notYet) {
                // the REST endpoint is not up yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("no TaskManager registered within " + timeout + "\n" + logs());
    }

    /** The result of {@code bin/flink run}: its exit code and everything it printed. */
    record Run(int exit, String output) {
    }

    /** {@code bin/flink run jar args}: the client JVM, with env.java.opts.all and env.java.opts.client, against this cluster. */
    Run flinkRun(Path jar, Duration timeout, String... args) throws Exception {
        Configuration config = GlobalConfiguration.loadConfiguration(conf.toString());
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(words(config.get(CoreOptions.FLINK_JVM_OPTIONS)));
        cmd.addAll(words(config.get(CoreOptions.FLINK_CLI_JVM_OPTIONS)));
        cmd.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        cmd.addAll(List.of("-cp", classpath, "org.apache.flink.client.cli.CliFrontend", "run", jar.toString()));
        cmd.addAll(Arrays.asList(args));
        Path log = logs.resolve("client.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("flink run did not finish within " + timeout + "\n" + logs());
        }
        return new Run(p.exitValue(), Files.readString(log));
    }

    String taskManagerLog() throws IOException {
        return Files.readString(logs.resolve("taskmanager.log"));
    }

    /** The last lines of every log, for a failure message. */
    String logs() {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                b.append("---- ").append(f.getFileName()).append(" (last 40 lines)\n");
                for (String l : lines.subList(Math.max(0, lines.size() - 40), lines.size())) b.append(l).append('\n');
            }
        } catch (IOException e) {
            b.append("(logs unreadable: ").append(e).append(")\n");
        }
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (int i = processes.size() - 1; i >= 0; i--) processes.get(i).destroy();
        for (Process p : processes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
    }

    private static List<String> words(String s) {
        if (s == null || s.isBlank()) return new ArrayList<>();
        return new ArrayList<>(Arrays.asList(s.trim().split("\\s+")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
