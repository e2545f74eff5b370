package dev.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.device.RelayDevice;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.stack.BrokerKind;
import dev.relay.stack.RelayStack;
import dev.relay.stack.StackOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code relay} command line against a real stack, over MQTT 5 and over the WebSocket gateway: what it prints,
 * what it exits with, and what the relay did. Subclasses pick the broker.
 */
abstract class CommandLineContract {
    static RelayStack stack;

    @TempDir
    Path dir;

    static void startStack(BrokerKind broker, Path data) throws Exception {
        stack = RelayStack.start(StackOptions.ephemeral(broker, data)
                .relayProperty("relay.rate.sends-per-minute", "100000").relayProperty("relay.rate.burst", "100000")
                .build());
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    Cli mqtt(String keyName) {
        return new Cli("--url", stack.mqttUri().toString(), "--realm", stack.realm(), "--data", dir.toString(),
                "--key", dir.resolve(keyName + ".key").toString(), "--timeout", "20s");
    }

    Cli websocket(String keyName) {
        return new Cli("--url", stack.gatewayUri().toString(), "--realm", stack.realm(), "--data", dir.toString(),
                "--key", dir.resolve(keyName + ".key").toString(), "--timeout", "20s");
    }

    String keyIdOf(Cli cli) throws Exception {
        Cli.Result whoami = cli.run("whoami", "--json");
        assertThat(whoami.exit()).isZero();
        return Json.MAPPER.readTree(whoami.out()).path("key_id").asText();
    }

    @Test
    void keygenAndWhoamiManageTheKeyFile() throws Exception {
        Path key = dir.resolve("new.key");
        Cli.Result created = Cli.runExactly("keygen", "--key", key.toString());
        assertThat(created.exit()).isZero();
        assertThat(Files.exists(key)).isTrue();

        Cli.Result again = Cli.runExactly("keygen", "--key", key.toString());
        assertThat(again.exit()).isEqualTo(ExitCodes.LOCAL);
        assertThat(again.err()).startsWith("relay: key_exists: ").contains(created.line());

        Cli.Result whoami = Cli.runExactly("whoami", "--key", key.toString());
        assertThat(whoami.out()).contains("key id   " + created.line()).contains("did:key:z6Mk");
    }

    @Test
    void sendThenListenDeliversTheSignedMessageAndAReceiptReachesTheSender() throws Exception {
        Cli alice = mqtt("alice");
        Cli bob = websocket("bob");
        String bobId = keyIdOf(bob);

        Cli.Result sent = alice.run("send", "--to", bobId, "--ttl", "10m", "hello", "bob");
        assertThat(sent.exit()).as(sent.err()).isZero();
        String messageId = sent.line();

        Cli.Result listened = bob.run("listen", "--json", "--count", "1", "--for", "30s", "--receipt", "delivered");
        assertThat(listened.exit()).as(listened.err()).isZero();
        Envelope received = Envelope.parse(listened.line().getBytes(StandardCharsets.UTF_8));
        received.verify();
        assertThat(received.id()).isEqualTo(messageId);
        assertThat(new String(received.body(), StandardCharsets.UTF_8)).isEqualTo("hello bob");
        assertThat(received.expiresIn()).isEqualTo(600L);

        Cli.Result receipts = alice.run("receipts", "--count", "1", "--for", "30s");
        assertThat(receipts.out()).contains("delivered  message " + messageId)
                .contains("verified (signature and digest)");
    }

    @Test
    void sendCanWaitForTheRecipientsReceipt() throws Exception {
        Cli sender = mqtt("sender");
        Cli fan = mqtt("fan");
        String fanId = keyIdOf(fan);
        CompletableFuture<Cli.Result> listening = CompletableFuture.supplyAsync(
                () -> fan.run("listen", "--count", "1", "--for", "40s", "--receipt", "read"));
        Thread.sleep(2000); // the listener is connected (an offline fan would answer later, just as well)

        Cli.Result sent = sender.run("send", "--to", fanId, "--await-receipt", "30s", "on");

        assertThat(sent.exit()).as(sent.err()).isZero();
        assertThat(sent.out()).contains("receipt read from " + fanId + " (signature and digest verified)");
        assertThat(listening.get(60, TimeUnit.SECONDS).out()).contains("\n  on");
    }

    @Test
    void policyCommandsChangeWhoMayWriteAndRefusalsPrintTheRelaysCode() throws Exception {
        Cli owner = websocket("owner");
        Cli friend = mqtt("friend");
        Cli stranger = mqtt("stranger");
        String ownerId = keyIdOf(owner);
        String friendId = keyIdOf(friend);

        Cli.Result set = owner.run("policy set", "allowlist", "--allow", friendId);
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.out()).contains("mode  allowlist").contains(friendId);

        Cli.Result refused = stranger.run("send", "--to", ownerId, "let me in");
        assertThat(refused.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.err().strip()).startsWith("relay: acl_denied: ").doesNotContain("\n");
        assertThat(friend.run("send", "--to", ownerId, "hi").exit()).isZero();

        String strangerId = keyIdOf(stranger);
        Cli.Result added = owner.run("policy add", "allow", strangerId);
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).contains(strangerId);
        assertThat(stranger.run("send", "--to", ownerId, "thanks").exit()).isZero();
        Cli.Result removed = owner.run("policy remove", "allow", strangerId, friendId);
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("allow []");
        Cli.Result shown = owner.run("policy show");
        assertThat(shown.out()).contains("mode  allowlist").contains("allow []");
        assertThat(stranger.run("send", "--to", ownerId, "again?").exit()).isEqualTo(ExitCodes.REFUSED);
    }

    @Test
    void profilesAreDiscoverableAndThreadsCanBeRead() throws Exception {
        Cli thermostat = mqtt("thermostat");
        Cli agent = websocket("agent");
        String thermostatId = keyIdOf(thermostat);

        Cli.Result profile = thermostat.run("profile set", "--name", "thermostat", "--description", "kitchen",
                "--tag", "home-" + dir.getFileName(), "--capability", "temperature");
        assertThat(profile.exit()).as(profile.err()).isZero();
        Cli.Result found = agent.run("discover", "--tag", "home-" + dir.getFileName());
        assertThat(found.out()).contains(thermostatId).contains("thermostat");
        assertThat(agent.run("profile show", thermostatId).out()).contains("\"name\" : \"thermostat\"");

        String agentId = keyIdOf(agent);
        String first = thermostat.run("send", "--to", agentId, "first").line();
        thermostat.run("send", "--to", agentId, "--thread", first, "second");
        Cli.Result thread = thermostat.run("thread", first);
        assertThat(thread.exit()).as(thread.err()).isZero();
        // SPEC §7.1: the message that started the conversation is in its history, oldest first.
        assertThat(thread.out()).containsSubsequence("\n  first", "\n  second");
    }

    @Test
    void oneShotCommandsLeaveTheInboxToItsConsumer() throws Exception {
        Cli overMqtt = mqtt("busy");
        Cli overWebSocket = websocket("busy");
        String busyId = keyIdOf(overMqtt);
        Cli sender = mqtt("someone");
        // Waiting before the identity ever connected: parked by the relay on HiveMQ, in the inbox queue on Artemis.
        String first = sender.run("send", "--to", busyId, "first").line();
        String second = sender.run("send", "--to", busyId, "second").line();

        // Requests in between, over both transports, twice: none of them may take (or lose) the waiting messages.
        for (int round = 0; round < 2; round++) {
            Cli.Result mqttShow = overMqtt.run("policy show");
            assertThat(mqttShow.exit()).as(mqttShow.err()).isZero();
            Cli.Result wsShow = overWebSocket.run("policy show");
            assertThat(wsShow.exit()).as(wsShow.err()).isZero();
        }

        Cli.Result listened = overMqtt.run("listen", "--json", "--count", "2", "--for", "30s");
        assertThat(listened.exit()).as(listened.err()).isZero();
        assertThat(listened.out()).contains(first).contains(second);
    }

    /**
     * Issue: a one-shot command of a device's own identity took the message that waited for the offline device
     * (Artemis, where an identity's sessions read one queue). One-shot commands acknowledge whatever reaches them.
     */
    @Test
    void oneShotCommandsOfADevicesIdentityNeverTakeWhatWaitsForTheDevice() throws Exception {
        Cli asFanOverMqtt = mqtt("fan");
        Cli asFanOverWebSocket = websocket("fan");
        String fanId = keyIdOf(asFanOverMqtt);
        List<String> received = new CopyOnWriteArrayList<>();
        RelayDevice.Builder fan = RelayDevice.builder().serverUri(stack.mqttUri().toString()).realm(stack.realm())
                .keyFile(dir.resolve("fan.key")).onMessage(in -> received.add(in.envelope().id()));
        fan.connect().close(); // the fan's lasting session exists; the fan is offline
        String command = mqtt("controller").run("send", "--to", fanId, "on").line();

        for (Cli oneShot : List.of(asFanOverMqtt, asFanOverWebSocket)) {
            Cli.Result show = oneShot.run("policy show");
            assertThat(show.exit()).as(show.err()).isZero();
            Cli.Result note = oneShot.run("send", "--to", fanId, "note to self");
            assertThat(note.exit()).as(note.err()).isZero();
        }

        try (RelayDevice back = fan.connect()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!received.contains(command) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(received).as("what the fan got when it came back").contains(command);
        }
    }

    @Test
    void aNoteToYourselfSentBeforeYouEverListenedWaitsForListen() throws Exception {
        Cli overMqtt = mqtt("newcomer");
        Cli overWebSocket = websocket("newcomer");
        String myId = keyIdOf(overMqtt);
        // The sending command's own one-shot session reads this inbox while it sends (on HiveMQ it gets the note
        // live, on Artemis it leaves it in the queue); the identity has no lasting session yet.
        String viaMqtt = overMqtt.run("send", "--to", myId, "note", "one").line();
        Cli.Result longTtl = overWebSocket.run("send", "--to", myId, "--ttl", "40d", "note", "two");
        assertThat(longTtl.exit()).as(longTtl.err()).isZero();
        assertThat(longTtl.err()).contains("at most 30 days; --ttl 40d is signed as given and clamped by the relay");
        String viaWebSocket = longTtl.line();

        Cli.Result listened = overMqtt.run("listen", "--json", "--count", "2", "--for", "30s");
        assertThat(listened.exit()).as(listened.err()).isZero();
        assertThat(listened.out()).contains(viaMqtt).contains(viaWebSocket);
    }

    @Test
    void mistakesGetOneLineAndAnExitCodeScriptsCanUse() {
        Cli.Result noRecipient = Cli.runExactly("send", "hello");
        assertThat(noRecipient.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(noRecipient.err()).startsWith("relay: usage: Missing required option: '--to=KEY_ID'");

        Cli.Result badKey = mqtt("x").run("send", "--to", "not-a-key", "hi");
        assertThat(badKey.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(badKey.err()).contains("is not a key id or did:key");

        Cli.Result unreachable = Cli.runExactly("policy", "show", "--url", "tcp://127.0.0.1:9", "--realm", "r",
                "--key", dir.resolve("u.key").toString(), "--data", dir.toString());
        assertThat(unreachable.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(unreachable.err()).startsWith("relay: connect_failed: ");

        Cli.Result wrongRealm = Cli.runExactly("policy", "show", "--url", stack.mqttUri().toString(), "--realm",
                "not-this-realm", "--key", dir.resolve("u.key").toString(), "--data", dir.toString());
        assertThat(wrongRealm.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(wrongRealm.err()).startsWith("relay: bad_credentials: ");

        Cli.Result badScheme = Cli.runExactly("policy", "show", "--url", "http://127.0.0.1:1", "--key",
                dir.resolve("u.key").toString(), "--data", dir.toString());
        assertThat(badScheme.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(badScheme.err()).startsWith("relay: bad_url: ");
    }

    @Test
    void mqtt311WorksForSendAndRefusalsStillCarryTheCode() throws Exception {
        Cli owner = mqtt("closed-owner");
        String ownerId = keyIdOf(owner);
        assertThat(owner.run("policy set", "closed").exit()).isZero();

        Cli.Result refused = mqtt("old-device").run("send", "--mqtt-version", "3.1.1", "--to", ownerId, "hi");

        assertThat(refused.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.err()).startsWith("relay: acl_denied: ");
    }
}
