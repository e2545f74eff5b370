package dev.relay.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How every transport's refusal reads as a relay code (SPEC §10) and how a relay code is signalled back, in one place,
 * so that a device on MQTT, an agent on the WebSocket gateway, the command line and the gateway itself report the same
 * code for the same answer.
 *
 * <p>The rule everywhere: the code in a reason string {@code "<code>: <text>"} (SPEC §10.2) wins; a bare numeric reason
 * code or condition is only the fallback, read the one way written here (SPEC §13.2, §13.4). A {@code rate_limited}
 * text starts with {@code retry_after=<n>} (SPEC §9), which {@link Refusal#retryAfter()} carries as a number.
 */
public final class ErrorMapping {
    /** The code of a refusal that names none this side can read (SPEC §10.1: the client MAY retry later). */
    public static final String INTERNAL = ErrorCode.INTERNAL.code();
    /** The prefix of the human text of a {@code rate_limited} refusal (SPEC §9). */
    public static final String RETRY_AFTER = "retry_after=";

    private static final int MAX_CODE_LENGTH = 40;
    private static final int MAX_RETRY_AFTER_DIGITS = 9;

    private ErrorMapping() {
    }

    /** A refusal as read off a transport: the relay's code, the human text and, when given, seconds to wait. */
    public record Refusal(String code, String message, Long retryAfterSeconds) {
        public Refusal {
            Objects.requireNonNull(code, "code");
            message = message == null ? "" : message;
        }

        /** Seconds to wait before sending again, when the relay said so ({@code rate_limited}, SPEC §9). */
        public OptionalLong retryAfter() {
            return retryAfterSeconds == null ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds);
        }

        /** {@code "<code>: <text>"} (SPEC §10.2). */
        public String reasonString() {
            return code + ": " + message;
        }
    }

    // ---------------------------------------------------------------- reason strings (SPEC §10.2, §9)

    /**
     * The code of a reason string: the text before the first {@code ": "} when it looks like a code (lowercase ASCII
     * letters, digits and {@code _}, starting with a letter, at most 40 characters), or the whole string when it is
     * such a code alone; else null.
     */
    public static String codeOf(String reasonString) {
        if (reasonString == null) {
            return null;
        }
        int colon = reasonString.indexOf(": ");
        String candidate = colon < 0 ? reasonString : reasonString.substring(0, colon);
        return isCode(candidate) ? candidate : null;
    }

    /**
     * A reason string as a refusal: its own code when it names one, else {@code fallbackCode} with the whole string as
     * the text (an empty or null string gives an empty text). The {@code retry_after} number is read from the text.
     */
    public static Refusal fromReason(String reasonString, String fallbackCode) {
        String code = codeOf(reasonString);
        if (code == null) {
            return new Refusal(fallbackCode, reasonString, retryAfterIn(fallbackCode, reasonString));
        }
        String text = reasonString.length() > code.length() ? reasonString.substring(code.length() + 2) : "";
        return new Refusal(code, text, retryAfterIn(code, text));
    }

    /**
     * The seconds of a human text that starts with {@code retry_after=<n>} (SPEC §9; 1 to 9 digits, then the end, a
     * {@code ;} or a space), else null.
     */
    public static Long retryAfterSeconds(String humanText) {
        if (humanText == null || !humanText.startsWith(RETRY_AFTER)) {
            return null;
        }
        int from = RETRY_AFTER.length();
        int to = from;
        while (to < humanText.length() && to - from <= MAX_RETRY_AFTER_DIGITS && isDigit(humanText.charAt(to))) {
            to++;
        }
        boolean ends = to == humanText.length() || humanText.charAt(to) == ';' || humanText.charAt(to) == ' ';
        return to > from && to - from <= MAX_RETRY_AFTER_DIGITS && ends ? Long.parseLong(humanText.substring(from, to))
                : null;
    }

    /** The human text of a {@code rate_limited} refusal: {@code retry_after=<n>; <detail>} (SPEC §9). */
    public static String retryAfterText(long seconds, String detail) {
        return RETRY_AFTER + seconds + (detail == null || detail.isEmpty() ? "" : "; " + detail);
    }

    // ---------------------------------------------------------------- MQTT (SPEC §10.3, §10.4, §13.2, §13.4)

    /**
     * The code of a PUBACK (or PUBREC) refusal that came without a reason string (SPEC §13.4): {@code 0x87} →
     * {@code forbidden}, {@code 0x97} → {@code rate_limited}, {@code 0x99} → {@code malformed}, anything else →
     * {@code internal}. Several codes share each reason code (SPEC §10.4), so this is the least specific of them.
     */
    public static String codeForPubackReason(int reasonCode) {
        return switch (reasonCode) {
            case 0x87 -> ErrorCode.FORBIDDEN.code();
            case 0x97 -> ErrorCode.RATE_LIMITED.code();
            case 0x99 -> ErrorCode.MALFORMED.code();
            default -> INTERNAL;
        };
    }

    /** An MQTT 5 PUBACK refusal: the reason string's code, else {@link #codeForPubackReason}. */
    public static Refusal fromPuback(int reasonCode, String reasonString) {
        if (codeOf(reasonString) != null) {
            return fromReason(reasonString, INTERNAL);
        }
        String code = codeForPubackReason(reasonCode);
        return new Refusal(code, "the broker refused the envelope (PUBACK " + hex(reasonCode) + ")"
                + (reasonString == null || reasonString.isEmpty() ? "" : ": " + reasonString), null);
    }

    /**
     * The code of a refused CONNECT from its CONNACK code alone, for MQTT 3.1.1 return codes (1..5) and MQTT 5 reason
     * codes (0x80 and up) alike; null for anything else (0 is success; other numbers are no CONNACK). MQTT 5 as SPEC
     * §10.4 and §13.2 say: {@code 0x85} → {@code bad_client_id}, {@code 0x87} → {@code forbidden}, {@code 0x80}
     * (unspecified) and {@code 0x88}/{@code 0x89} (server unavailable, busy) → {@code internal}, {@code 0x86} and every
     * other refusal → {@code bad_credentials}. MQTT 3.1.1 as SPEC §10.3: {@code 2} → {@code bad_client_id}, {@code 3}
     * → {@code internal}, {@code 5} → {@code forbidden}, {@code 4} and {@code 1} → {@code bad_credentials}. A relay
     * inside Artemis gives no reason strings here and answers {@code 0x86} / {@code 0x05} for every token refusal
     * (SPEC §10.9), so the precise code is only in the relay's log.
     */
    public static String codeForConnackReason(int reasonCode) {
        if (reasonCode < 1 || reasonCode > 0xFF || reasonCode > 5 && reasonCode < 0x80) {
            return null;
        }
        return switch (reasonCode) {
            case 2, 0x85 -> ErrorCode.BAD_CLIENT_ID.code();
            case 5, 0x87 -> ErrorCode.FORBIDDEN.code();
            case 3, 0x80, 0x88, 0x89 -> INTERNAL;
            default -> ErrorCode.BAD_CREDENTIALS.code();
        };
    }

    /** A CONNACK refusal: the reason string's code (MQTT 5), else {@link #codeForConnackReason}. */
    public static Refusal fromConnack(int reasonCode, String reasonString) {
        if (codeOf(reasonString) != null) {
            return fromReason(reasonString, INTERNAL);
        }
        String code = codeForConnackReason(reasonCode);
        return new Refusal(code == null ? ErrorCode.BAD_CREDENTIALS.code() : code,
                "the broker refused the connection (CONNACK " + hex(reasonCode) + ")", null);
    }

    /**
     * A refused subscription (SUBACK {@code 0x80} on 3.1.1, {@code 0x87} on 5): the reason string's code, else
     * {@code forbidden}, the only code a relay refuses a subscription with (SPEC §10.4).
     */
    public static Refusal fromSuback(int reasonCode, String reasonString) {
        if (codeOf(reasonString) != null) {
            return fromReason(reasonString, ErrorCode.FORBIDDEN.code());
        }
        return new Refusal(ErrorCode.FORBIDDEN.code(), "the broker refused the subscription (SUBACK " + hex(reasonCode)
                + ")", null);
    }

    /** The MQTT 5 PUBACK reason code that refuses a publish with {@code code}; {@code 0x80} for unknown codes. */
    public static int pubackReason(String code) {
        return ErrorCode.fromCode(code).map(ErrorCode::mqtt5PubackReason).orElse(0x80);
    }

    /** The MQTT 5 CONNACK reason code that refuses a connection with {@code code}; {@code 0x80} for unknown codes. */
    public static int mqtt5ConnackReason(String code) {
        return ErrorCode.fromCode(code).map(ErrorCode::mqtt5ConnackReason).orElse(0x80);
    }

    /** The MQTT 3.1.1 CONNACK return code that refuses a connection with {@code code}; 3 for unknown codes. */
    public static int mqtt3ConnackReturnCode(String code) {
        return ErrorCode.fromCode(code).map(ErrorCode::mqtt3ConnackReturnCode).orElse(3);
    }

    // ---------------------------------------------------------------- AMQP 1.0 (SPEC §10.5, §10.9)

    /**
     * The code of an AMQP error condition without a readable description: {@code amqp:unauthorized-access} →
     * {@code forbidden}, {@code amqp:invalid-field} → {@code malformed}, {@code amqp:resource-limit-exceeded} →
     * {@code rate_limited}, {@code amqp:not-found} → {@code not_found}, {@code amqp:not-implemented} →
     * {@code unknown_op}; anything else (Artemis' generic {@code failed} included) → {@code internal}.
     */
    public static String codeForAmqpCondition(String condition) {
        if (condition == null) {
            return INTERNAL;
        }
        return switch (condition) {
            case "amqp:unauthorized-access" -> ErrorCode.FORBIDDEN.code();
            case "amqp:invalid-field" -> ErrorCode.MALFORMED.code();
            case "amqp:resource-limit-exceeded" -> ErrorCode.RATE_LIMITED.code();
            case "amqp:not-found" -> ErrorCode.NOT_FOUND.code();
            case "amqp:not-implemented" -> ErrorCode.UNKNOWN_OP.code();
            default -> INTERNAL;
        };
    }

    /** A rejected transfer or refused link: the description's code, else {@link #codeForAmqpCondition}. */
    public static Refusal fromAmqp(String condition, String description) {
        return fromReason(description, codeForAmqpCondition(condition));
    }

    /** The AMQP error condition of a refusal with {@code code}; {@code amqp:internal-error} for unknown codes. */
    public static String amqpCondition(String code) {
        return ErrorCode.fromCode(code).map(ErrorCode::amqpCondition).filter(condition -> !condition.isEmpty())
                .orElse(ErrorCode.INTERNAL.amqpCondition());
    }

    // ---------------------------------------------------------------- STOMP (SPEC §10.6)

    /** An ERROR frame: the code of its {@code message} header, else {@code internal}. */
    public static Refusal fromStompError(String messageHeader) {
        return fromReason(messageHeader, INTERNAL);
    }

    /** The {@code message} header of an ERROR frame: the reason string (SPEC §10.6). */
    public static String stompMessage(String code, String text) {
        return code + ": " + (text == null ? "" : text);
    }

    // ---------------------------------------------------------------- WebSocket gateway (SPEC §10.7, §13.4, §13.6)

    // A connect refusal closes the WebSocket with a reason string: read it with fromReason(reason, <the close's own
    // meaning>), as for any other transport.

    /**
     * A gateway {@code error} frame: its {@code code} member (a frame without one is {@code internal}), its
     * {@code retry_after} member, else the number at the start of its text.
     */
    public static Refusal fromErrorFrame(String code, String message, Long retryAfter) {
        String frameCode = code == null || code.isEmpty() ? INTERNAL : code;
        return new Refusal(frameCode, message, retryAfter != null ? retryAfter : retryAfterIn(frameCode, message));
    }

    // ---------------------------------------------------------------- error envelopes (SPEC §3.5.6)

    /**
     * The refusal an {@code error} envelope's body carries ({@code {"code","message","retry_after"?}}); a body that is
     * not such an object is {@code internal}.
     */
    public static Refusal fromErrorBody(byte[] body) {
        try {
            ObjectNode object = Json.readObject(body, "error body");
            JsonNode code = object.get("code");
            if (code == null || !code.isTextual() || !isCode(code.asText())) {
                return new Refusal(INTERNAL, "an error envelope without a code: " + shorten(object.toString()), null);
            }
            String message = object.path("message").asText("");
            JsonNode retryAfter = object.get("retry_after");
            Long seconds = retryAfter != null && retryAfter.canConvertToLong() ? Long.valueOf(retryAfter.asLong())
                    : retryAfterIn(code.asText(), message);
            return new Refusal(code.asText(), message, seconds);
        } catch (RelayException e) {
            return new Refusal(INTERNAL, "unreadable error envelope: " + e.reasonString(), null);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Long retryAfterIn(String code, String text) {
        return ErrorCode.RATE_LIMITED.code().equals(code) ? retryAfterSeconds(text) : null;
    }

    private static boolean isCode(String text) {
        if (text.isEmpty() || text.length() > MAX_CODE_LENGTH || text.charAt(0) < 'a' || text.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || isDigit(c) || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String hex(int reasonCode) {
        return "0x" + Integer.toHexString(reasonCode);
    }

    private static String shorten(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }
}
