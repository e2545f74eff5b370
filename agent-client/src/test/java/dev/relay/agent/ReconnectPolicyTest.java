package dev.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReconnectPolicyTest {
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "1001, going_away, true",
            "1006, connection_lost, true",
            "1011, internal, true",
            "1012, internal, true",
            "1013, internal, true",
            "4408, idle_timeout, true",
            "4508, slow_consumer, true",
            "4401, replay, true",
            "4401, expired_token, true",
            "0, connect_failed, true",
            "0, timeout, true",
            "0, connection_lost, true",
            "4401, bad_signature, false",
            "4401, bad_client_id, false",
            "4401, bad_credentials, false",
            "4401, forbidden, false",
            "4409, session_taken_over, false",
            "4429, too_many_sessions, false",
            "0, bad_credentials, false",
            "1000, closed, false",
            "1008, connection_lost, false",
            "1009, connection_lost, false",
            "4999, whatever, false",
    })
    void decidesByCloseCodeAndReason(int closeCode, String code, boolean reconnect) {
        assertThat(ReconnectPolicy.shouldReconnect(closeCode, code)).isEqualTo(reconnect);
    }

    @ParameterizedTest(name = "{0} \"{1}\" -> {2}")
    @CsvSource(delimiter = '|', value = {
            "4401|bad_signature: token signature does not verify|false",
            "4401|replay: connect token nonce was already used|true",
            "4409|session_taken_over: another connection took over|false",
            "4429|too_many_sessions: limit 8|false",
            "1012|internal: broker connection lost|true",
            "1006||true",
    })
    void decidesFromTheCloseReason(int closeCode, String reason, boolean reconnect) {
        assertThat(ReconnectPolicy.shouldReconnect(AgentException.ofClose(closeCode, reason))).isEqualTo(reconnect);
    }
}
