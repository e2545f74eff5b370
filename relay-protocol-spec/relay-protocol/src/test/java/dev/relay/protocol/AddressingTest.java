package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AddressingTest {
    private static final String OWN = TestKeys.RFC1_KEY_ID;
    private static final String OTHER = TestKeys.bob().keyId().toString();

    /** A compact description of an Address, so tables can say what they expect. */
    private static String describe(Address address) {
        if (address instanceof Address.Inbox inbox) {
            return "inbox:" + inbox.keyId() + (inbox.sharedGroup() == null ? "" : "@" + inbox.sharedGroup());
        }
        if (address instanceof Address.SystemRequests) {
            return "sys";
        }
        if (address instanceof Address.Forbidden forbidden) {
            assertThat(forbidden.why()).isNotBlank();
            return "forbidden";
        }
        return "outside:" + ((Address.Outside) address).raw();
    }

    static Stream<Arguments> mqttTopics() {
        return Stream.of(
                Arguments.of("relay/v1/inbox/" + OWN, "inbox:" + OWN),
                Arguments.of("relay/v1/inbox/" + OTHER, "inbox:" + OTHER),
                Arguments.of("relay/v1/sys", "sys"),
                Arguments.of("relay/v1/other", "forbidden"),
                Arguments.of("relay/v1/", "forbidden"),
                Arguments.of("relay/v1/inbox/", "forbidden"),
                Arguments.of("relay/v1/inbox/short", "forbidden"),
                Arguments.of("relay/v1/inbox/" + OWN + "/x", "forbidden"),
                Arguments.of("relay/v1/inbox/" + OWN + "x", "forbidden"),
                Arguments.of("relay/v1/inbox/" + TestKeys.bumpBase64Char(OWN, 42), "forbidden"),
                Arguments.of("relay/v1/inbox/sys", "forbidden"),
                Arguments.of("relay/v1/sys/x", "forbidden"),
                Arguments.of("relay/v1/sysx", "forbidden"),
                Arguments.of("relay/v1/INBOX/" + OWN, "forbidden"),
                Arguments.of("relay.v1.inbox." + OWN, "outside:relay.v1.inbox." + OWN),
                Arguments.of("relay/v2/inbox/" + OWN, "outside:relay/v2/inbox/" + OWN),
                Arguments.of("relay/v1", "outside:relay/v1"),
                Arguments.of("sensors/kitchen/temp", "outside:sensors/kitchen/temp"),
                Arguments.of("/relay/v1/sys", "outside:/relay/v1/sys"),
                Arguments.of("", "outside:"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("mqttTopics")
    void parseMqttTopic(String topic, String expected) {
        assertThat(describe(Addressing.parseMqttTopic(topic))).isEqualTo(expected);
    }

    static Stream<Arguments> artemisAddresses() {
        return Stream.of(
                Arguments.of("relay.v1.inbox." + OWN, "inbox:" + OWN),
                Arguments.of("relay.v1.inbox." + OTHER, "inbox:" + OTHER),
                Arguments.of("anycast://relay.v1.inbox." + OWN, "inbox:" + OWN),
                Arguments.of("multicast://relay.v1.inbox." + OWN, "forbidden"),
                Arguments.of("multicast://relay.v1.sys", "forbidden"),
                Arguments.of("multicast://sensors.kitchen", "outside:multicast://sensors.kitchen"),
                Arguments.of("anycast://sensors.kitchen", "outside:sensors.kitchen"),
                Arguments.of("relay.v1.sys", "sys"),
                Arguments.of("anycast://relay.v1.sys", "sys"),
                Arguments.of("relay.v1.other", "forbidden"),
                Arguments.of("multicast://relay.v1.other", "forbidden"),
                Arguments.of("relay.v1.inbox.short", "forbidden"),
                Arguments.of("relay.v1.inbox." + OWN + ".x", "forbidden"),
                Arguments.of("relay/v1/inbox/" + OWN, "outside:relay/v1/inbox/" + OWN),
                Arguments.of("sensors.kitchen", "outside:sensors.kitchen"),
                Arguments.of("activemq.notifications", "outside:activemq.notifications"),
                Arguments.of("relay.v1.inbox.*", "forbidden"),
                Arguments.of("relay.#", "forbidden"),
                Arguments.of("#", "forbidden"),
                Arguments.of("*.v1.inbox.*", "forbidden"),
                Arguments.of("*.*.#", "forbidden"),
                Arguments.of("multicast://#", "forbidden"),
                Arguments.of("sensors.*", "outside:sensors.*"),
                Arguments.of("relay.v1.inbox." + OWN + "::relay.v1.inbox." + OWN, "inbox:" + OWN),
                Arguments.of("relay.v1.inbox." + OWN + "::relay.v1.inbox." + OTHER, "forbidden"),
                Arguments.of("sensors::relay.v1.inbox." + OTHER, "forbidden"),
                Arguments.of("relay.v1.inbox." + OTHER + "::mine", "forbidden"),
                Arguments.of("sensors.kitchen::kitchen-queue", "outside:sensors.kitchen::kitchen-queue"),
                Arguments.of("", "forbidden"),
                Arguments.of(null, "forbidden"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("artemisAddresses")
    void parseArtemisAddress(String address, String expected) {
        assertThat(describe(Addressing.parseArtemisAddress(address))).isEqualTo(expected);
    }

    static Stream<Arguments> mqttFilters() {
        return Stream.of(
                Arguments.of("relay/v1/inbox/" + OWN, "inbox:" + OWN),
                Arguments.of("relay/v1/inbox/" + OTHER, "inbox:" + OTHER),
                Arguments.of("$share/g/relay/v1/inbox/" + OWN, "inbox:" + OWN + "@g"),
                Arguments.of("$share/workers-1/relay/v1/inbox/" + OWN, "inbox:" + OWN + "@workers-1"),
                Arguments.of("relay/v1/sys", "sys"),
                Arguments.of("$share/g/relay/v1/sys", "forbidden"),
                Arguments.of("relay/v1/other", "forbidden"),
                Arguments.of("relay/v1/inbox/short", "forbidden"),
                Arguments.of("#", "forbidden"),
                Arguments.of("+", "outside:+"),
                Arguments.of("+/#", "forbidden"),
                Arguments.of("+/v1/#", "forbidden"),
                Arguments.of("+/+/inbox/" + OWN, "forbidden"),
                Arguments.of("relay/#", "forbidden"),
                Arguments.of("relay/+/inbox/x", "forbidden"),
                Arguments.of("relay/+/inbox/" + OWN, "forbidden"),
                Arguments.of("relay/v1/#", "forbidden"),
                Arguments.of("relay/v1/+", "forbidden"),
                Arguments.of("relay/v1/inbox/+", "forbidden"),
                Arguments.of("relay/v1/inbox/#", "forbidden"),
                Arguments.of("relay/v1/+/" + OWN, "forbidden"),
                Arguments.of("$share/g/#", "forbidden"),
                Arguments.of("$share/g/relay/v1/inbox/+", "forbidden"),
                Arguments.of("$share/g/relay/v1/inbox/" + OTHER, "inbox:" + OTHER + "@g"),
                Arguments.of("$share/g", "forbidden"),
                Arguments.of("", "forbidden"),
                Arguments.of(null, "forbidden"),
                Arguments.of("sensors/+", "outside:sensors/+"),
                Arguments.of("sensors/#", "outside:sensors/#"),
                Arguments.of("relay/v2/#", "outside:relay/v2/#"),
                Arguments.of("other/v1/#", "outside:other/v1/#"),
                Arguments.of("sensors/kitchen", "outside:sensors/kitchen"),
                Arguments.of("$share/g/sensors/+", "outside:$share/g/sensors/+"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("mqttFilters")
    void parseMqttFilter(String filter, String expected) {
        assertThat(describe(Addressing.parseMqttFilter(filter))).isEqualTo(expected);
    }

    @Test
    void inboxNamesAreBuiltFromTheKeyId() {
        assertThat(Addressing.mqttInbox(OWN)).isEqualTo("relay/v1/inbox/" + OWN);
        assertThat(Addressing.artemisInbox(OWN)).isEqualTo("relay.v1.inbox." + OWN);
        assertThat(Addressing.MQTT_SYSTEM_TOPIC).isEqualTo("relay/v1/sys");
        assertThat(Addressing.ARTEMIS_SYSTEM_ADDRESS).isEqualTo("relay.v1.sys");
        // Artemis maps MQTT '/' to '.': both spellings name the same inbox.
        assertThat(Addressing.mqttInbox(OWN).replace('/', '.')).isEqualTo(Addressing.artemisInbox(OWN));
    }

    static Stream<Arguments> builtNamesClassifyBack() {
        return Stream.of(
                Arguments.of((Function<String, Address>) Addressing::parseMqttTopic, Addressing.mqttInbox(OWN)),
                Arguments.of((Function<String, Address>) Addressing::parseMqttFilter, Addressing.mqttInbox(OWN)),
                Arguments.of((Function<String, Address>) Addressing::parseArtemisAddress, Addressing.artemisInbox(OWN)));
    }

    @ParameterizedTest
    @MethodSource("builtNamesClassifyBack")
    void builtInboxNamesClassifyAsThatInbox(Function<String, Address> parse, String name) {
        assertThat(parse.apply(name)).isEqualTo(new Address.Inbox(OWN, null));
    }
}
