package dev.relay.hivemq;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.extension.sdk.api.packets.general.DisconnectedReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import dev.relay.protocol.ErrorCode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HiveMQ enums carry exactly the codes of SPEC §10.4. */
class ReasonCodeMappingTest {
    /** MQTT 5 §3.4.2.1 wire values; the SDK enum does not expose them. */
    private static final Map<AckReasonCode, Integer> WIRE = Map.of(AckReasonCode.SUCCESS, 0x00,
            AckReasonCode.NO_MATCHING_SUBSCRIBERS, 0x10, AckReasonCode.UNSPECIFIED_ERROR, 0x80,
            AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, 0x83, AckReasonCode.NOT_AUTHORIZED, 0x87,
            AckReasonCode.TOPIC_NAME_INVALID, 0x90, AckReasonCode.PACKET_IDENTIFIER_IN_USE, 0x91,
            AckReasonCode.QUOTA_EXCEEDED, 0x97, AckReasonCode.PAYLOAD_FORMAT_INVALID, 0x99);

    @Test
    void pubackReasonsMatchTheSpecTable() {
        assertThat(RelayPublishInboundInterceptor.ackReason(ErrorCode.ACL_DENIED)).isEqualTo(AckReasonCode.NOT_AUTHORIZED);
        assertThat(RelayPublishInboundInterceptor.ackReason(ErrorCode.RATE_LIMITED)).isEqualTo(AckReasonCode.QUOTA_EXCEEDED);
        assertThat(RelayPublishInboundInterceptor.ackReason(ErrorCode.MALFORMED)).isEqualTo(AckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(RelayPublishInboundInterceptor.ackReason(ErrorCode.EXPIRED))
                .isEqualTo(AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR);
        assertThat(RelayPublishInboundInterceptor.ackReason(ErrorCode.INTERNAL)).isEqualTo(AckReasonCode.UNSPECIFIED_ERROR);
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(WIRE.get(RelayPublishInboundInterceptor.ackReason(code))).as(code.code())
                    .isEqualTo(code.mqtt5PubackReason());
        }
    }

    @Test
    void connackReasonsMatchTheSpecTable() {
        assertThat(RelayEnhancedAuthenticator.reasonCode(ErrorCode.BAD_SIGNATURE))
                .isEqualTo(DisconnectedReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(RelayEnhancedAuthenticator.reasonCode(ErrorCode.REPLAY))
                .isEqualTo(DisconnectedReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(RelayEnhancedAuthenticator.reasonCode(ErrorCode.BAD_CLIENT_ID))
                .isEqualTo(DisconnectedReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(RelayEnhancedAuthenticator.reasonCode(ErrorCode.FORBIDDEN)).isEqualTo(DisconnectedReasonCode.NOT_AUTHORIZED);
        assertThat(RelayEnhancedAuthenticator.reasonCode(ErrorCode.INTERNAL)).isEqualTo(DisconnectedReasonCode.UNSPECIFIED_ERROR);
    }
}
