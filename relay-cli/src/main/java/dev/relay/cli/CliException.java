package dev.relay.cli;

/** A failure to report in one line ({@code relay: <code>: <text>}) with an exit code. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final int exitCode;

    CliException(String code, String message, int exitCode) {
        super(message);
        this.code = code;
        this.exitCode = exitCode;
    }

    String code() {
        return code;
    }

    int exitCode() {
        return exitCode;
    }
}
