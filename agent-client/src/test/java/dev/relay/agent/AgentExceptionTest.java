package dev.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AgentExceptionTest {
    @Test
    void takesTheCodeFromTheCloseReason() {
        AgentException e = AgentException.ofClose(4401, "bad_signature: token signature does not verify: a: b");

        assertThat(e.code()).isEqualTo("bad_signature");
        assertThat(e.closeCode()).isEqualTo(4401);
        assertThat(e.getMessage()).isEqualTo("bad_signature: token signature does not verify: a: b");
    }

    @Test
    void aCloseWithoutACodeIsALostConnection() {
        assertThat(AgentException.ofClose(1006, null).code()).isEqualTo(AgentException.CONNECTION_LOST);
        assertThat(AgentException.ofClose(1008, "Too many bad frames: 20").code())
                .isEqualTo(AgentException.CONNECTION_LOST);
        assertThat(AgentException.ofClose(1000, "").code()).isEqualTo(AgentException.CLOSED);
    }

    @Test
    void carriesRetryAfter() {
        assertThat(new AgentException("rate_limited", "retry_after=12", 12L).retryAfterSeconds()).hasValue(12);
        assertThat(new AgentException("acl_denied", "no").retryAfterSeconds()).isEmpty();
    }
}
