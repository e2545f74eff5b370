package dev.relay.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The command line keeps the console for its own output: logback (src/main/resources/logback.xml) prints only errors
 * there. {@code relay up} also writes everything from INFO up to a log file and lets warnings reach the console, as an
 * operator running a broker expects.
 */
final class Logging {
    private Logging() {
    }

    static Path toFile(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return file;
        }
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> console = root.getAppender("CONSOLE");
        if (console != null) {
            console.clearAllFilters();
            ThresholdFilter warnings = new ThresholdFilter();
            warnings.setLevel("WARN");
            warnings.start();
            console.addFilter(warnings);
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("FILE");
        appender.setFile(file.toString());
        appender.setEncoder(encoder);
        appender.start();
        root.addAppender(appender);
        return file;
    }
}
