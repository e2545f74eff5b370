package dev.relay.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.client.ClientTransport.PublishAnswer;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client core over a scripted transport: life cycle, answers and refusals, the outbox, reconnects. */
class ClientCoreTest {
    private static final RelayKeyPair RELAY = RelayKeyPair.generate();
    private static final KeyId PEER = RelayKeyPair.generate().keyId();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final RelayKeyPair me = RelayKeyPair.generate();
    private final FakeTransport transport = new FakeTransport();
    private final List<ClientCore> clients = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        clients.forEach(ClientCore::close);
    }

    @Test
    void aSendCompletesWithTheBrokersAnswerAndARefusalCarriesTheRelaysCode() throws Exception {
        ClientCore client = connected(builder());
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(await(client.message(PEER, "text/plain", utf8("hi")))).isNotBlank();

        transport.answers = envelope -> CompletableFuture.completedFuture(PublishAnswer.refused(
                ErrorMapping.fromPuback(0x97, "rate_limited: retry_after=12; slow down"), true));
        RelayClientException refused = failure(client.message(PEER, "text/plain", utf8("again")));
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.retryAfterSeconds()).hasValue(12);
    }

    @Test
    void whereTheAnswerSaysNothingTheErrorEnvelopeInTheInboxIsTheRefusal() throws Exception {
        ClientCore client = connected(builder().refusalWindow(Duration.ofSeconds(3)));
        transport.answers = envelope -> CompletableFuture.completedFuture(PublishAnswer.acknowledged()); // MQTT 3.1.1
        CompletableFuture<String> refused = client.message(PEER, "text/plain", utf8("let me in"));
        Envelope sent = transport.current().published.get(0);

        transport.current().deliver(error(sent.id(), JsonBodies.error(ErrorCode.ACL_DENIED, "closed inbox")));

        assertThat(failure(refused).code()).isEqualTo("acl_denied");
        assertThat(transport.current().acks.get()).as("the error envelope is acknowledged").isEqualTo(1);
    }

    @Test
    void withoutAnErrorEnvelopeWithinTheWindowAnAcknowledgedSendIsAccepted() throws Exception {
        ClientCore client = connected(builder().refusalWindow(Duration.ofMillis(200)));
        transport.answers = envelope -> CompletableFuture.completedFuture(PublishAnswer.acknowledged());
        CompletableFuture<String> sent = client.message(PEER, "text/plain", utf8("hi"));
        assertThat(sent).isNotDone();
        assertThat(await(sent)).isEqualTo(transport.current().published.get(0).id());
    }

    @Test
    void aBarePubackIsReadAsSection134SaysUnlessTheErrorEnvelopeNamesThePreciseCode() throws Exception {
        ClientCore client = connected(builder().refusalWindow(Duration.ofMillis(300)));
        transport.answers = envelope -> CompletableFuture.completedFuture(
                PublishAnswer.refused(ErrorMapping.fromPuback(0x87, null), false));

        assertThat(failure(client.message(PEER, "text/plain", utf8("a"))).code()).isEqualTo("forbidden");

        CompletableFuture<String> second = client.message(PEER, "text/plain", utf8("b"));
        Envelope sent = transport.current().published.get(1);
        transport.current().deliver(error(sent.id(), JsonBodies.error(ErrorCode.ACL_DENIED, "closed inbox")));
        assertThat(failure(second).code()).isEqualTo("acl_denied");
    }

    @Test
    void aRateLimitedErrorEnvelopeNamesNoSendSoItRefusesEveryWaitingSendAndTheNextOnesUntilRetryAfter()
            throws Exception {
        ClientCore client = connected(builder().refusalWindow(Duration.ofSeconds(3)));
        transport.answers = envelope -> CompletableFuture.completedFuture(PublishAnswer.acknowledged());
        CompletableFuture<String> first = client.message(PEER, "text/plain", utf8("1"));
        CompletableFuture<String> second = client.message(PEER, "text/plain", utf8("2"));

        transport.current().deliver(error(null, JsonBodies.rateLimited("retry_after=30; slow down", 30)));

        for (CompletableFuture<String> send : List.of(first, second)) {
            RelayClientException refused = failure(send);
            assertThat(refused.code()).isEqualTo("rate_limited");
            assertThat(refused.retryAfterSeconds()).hasValue(30);
        }
        int published = transport.current().published.size();
        RelayClientException meanwhile = failure(client.message(PEER, "text/plain", utf8("3")));
        assertThat(meanwhile.code()).isEqualTo("rate_limited");
        assertThat(meanwhile.retryAfterSeconds().getAsLong()).isBetween(1L, 30L);
        assertThat(transport.current().published).as("not published: the relay would drop it silently")
                .hasSize(published);
    }

    @Test
    void aRateLimitedErrorEnvelopeWithNothingWaitingReachesTheApplication() throws Exception {
        BlockingQueue<Envelope> handled = new LinkedBlockingQueue<>();
        connected(builder().onMessage(in -> handled.add(in.envelope())));
        Envelope notice = error(null, JsonBodies.rateLimited("retry_after=30; slow down", 30));
        transport.current().deliver(notice);
        assertThat(handled.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(notice);
    }

    @Test
    void aRateLimitedErrorEnvelopeHoldsTheOutboxUntilRetryAfterEvenWhenNoSendWaited() throws Exception {
        TestClient client = connected(builder().outbox(dir.resolve("outbox")).refusalWindow(Duration.ofMillis(200)));
        transport.answers = envelope -> CompletableFuture.completedFuture(PublishAnswer.acknowledged()); // MQTT 3.1.1
        transport.current().deliver(error(null, JsonBodies.rateLimited("retry_after=1; slow down", 1)));
        Thread.sleep(100); // the notice is handled on the transport's thread

        CompletableFuture<String> held = client.message(PEER, "text/plain", utf8("after the notice"));

        assertThat(transport.current().published).as("the relay would drop it without a word").isEmpty();
        assertThat(await(held)).as("sent once retry_after is over").isNotBlank();
        assertThat(transport.current().published).hasSize(1);
        assertThat(client.outboxSize()).isZero();
    }

    @Test
    void anOutboxEnvelopeWhoseConnectionEndedBeforeItsWindowGoesAgainRatherThanCountingAsAccepted() throws Exception {
        TestClient client = connected(builder().outbox(dir.resolve("outbox")).refusalWindow(Duration.ofMillis(200)));
        transport.answers = envelope -> CompletableFuture.completedFuture(PublishAnswer.acknowledged());
        CompletableFuture<String> sent = client.message(PEER, "text/plain", utf8("who knows"));
        String id = transport.current().published.get(0).id();
        transport.refuseConnect = new RelayClientException(RelayClientException.CONNECT_FAILED, "broker away");

        transport.current().lose(new RelayClientException(RelayClientException.CONNECTION_LOST, "socket closed"));
        Thread.sleep(600); // the window ends while no connection could carry the error envelope

        assertThat(client.outboxSize()).as("silence on a lost connection proves nothing").isEqualTo(1);
        transport.refuseConnect = null;
        FakeConnection next = transport.nextConnection();
        assertThat(await(sent)).isEqualTo(id);
        assertThat(next.published).extracting(Envelope::id).containsExactly(id);
    }

    @Test
    void withoutTheRelayKeyTheOutboxWaitsAndAConnectionWhoseRelayInfoGoesUnansweredIsReplaced() throws Exception {
        TestClient client = track(new TestClient.Builder().key(me).outbox(dir.resolve("outbox"))
                .requestTimeout(Duration.ofMillis(300)).build(transport));
        client.message(PEER, "text/plain", utf8("waits for the relay key"));

        client.start();
        FakeConnection first = transport.nextConnection();
        Thread.sleep(800); // relay.info times out: no error envelope could have been verified on this connection

        assertThat(first.published).extracting(Envelope::kind).as("only the relay.info request").containsOnly(Kind.REQUEST);
        assertThat(first.closed).as("ended, to connect again").isTrue();
        assertThat(transport.connects.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void anInternalRefusalLeavesTheOutboxEnvelopeForAnotherTry() throws Exception {
        TestClient client = connected(builder().outbox(dir.resolve("outbox")));
        AtomicInteger tries = new AtomicInteger();
        transport.answers = envelope -> CompletableFuture.completedFuture(tries.incrementAndGet() == 1
                ? PublishAnswer.refused(ErrorMapping.fromPuback(0x80, "internal: relay store unavailable"), true)
                : PublishAnswer.accepted());

        CompletableFuture<String> sent = client.message(PEER, "text/plain", utf8("important"));

        assertThat(sent.get(15, TimeUnit.SECONDS)).as("accepted on the second try").isNotBlank();
        assertThat(transport.current().published).hasSize(2);
        assertThat(client.outboxSize()).isZero();
    }

    @Test
    void withoutAnOutboxASendWhileDisconnectedFailsAndASendCutByALostConnectionFailsAsLost() throws Exception {
        TestClient client = track(builder().build(transport));
        assertThat(failure(client.message(PEER, "text/plain", utf8("early"))).code())
                .isEqualTo(RelayClientException.NOT_CONNECTED);
        client.connect();
        transport.answers = envelope -> new CompletableFuture<>(); // the broker never answers
        CompletableFuture<String> cut = client.message(PEER, "text/plain", utf8("cut"));

        transport.current().lose(new RelayClientException(RelayClientException.CONNECTION_LOST, "socket closed"));

        RelayClientException lost = failure(cut);
        assertThat(lost.code()).isEqualTo(RelayClientException.CONNECTION_LOST);
        assertThat(lost.getMessage()).contains("sending the same envelope again is safe");
        assertThat(client.awaitConnected(WAIT)).as("reconnected after the backoff").isTrue();
        assertThat(transport.connects.get()).isEqualTo(2);
    }

    @Test
    void anOutboxKeepsSendsWhileDisconnectedAndSendsThemOnceConnected() throws Exception {
        TestClient client = track(builder().outbox(dir.resolve("outbox")).build(transport));
        CompletableFuture<String> queued = client.message(PEER, "text/plain", utf8("offline"));
        assertThat(client.outboxSize()).isEqualTo(1);
        assertThat(queued).isNotDone();

        client.connect();

        assertThat(await(queued)).isEqualTo(transport.current().published.get(0).id());
        assertThat(client.outboxSize()).isZero();
    }

    @Test
    void aPermanentRefusalClosesTheClientAndSaysWhy() throws Exception {
        transport.permanent = true;
        TestClient client = connected(builder());
        RelayClientException taken = new RelayClientException("session_taken_over", "another connection");

        transport.current().lose(taken);

        assertThat(client.awaitConnected(Duration.ofMillis(500))).isFalse();
        assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(client.closeCause()).contains(taken);
        assertThat(failure(client.message(PEER, "text/plain", utf8("x"))).code())
                .isEqualTo(RelayClientException.CLOSED);
    }

    @Test
    void aRefusedFirstConnectThrowsItsCodeAndClosesTheClient() {
        transport.refuseConnect = new RelayClientException("bad_credentials", "wrong realm");
        TestClient client = track(builder().build(transport));
        assertThatThrownBy(client::connect).isSameAs(transport.refuseConnect);
        assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
        assertThatThrownBy(client::connect).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aHandlerThatThrowsEndsTheConnectionSoTheMessageComesAgain() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        connected(builder().onMessage(in -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("motor jammed");
            }
        }));
        FakeConnection first = transport.current();
        first.deliver(Envelope.builder(Kind.MESSAGE).to(me.keyId()).body("on").sign(RelayKeyPair.generate()));

        FakeConnection second = transport.nextConnection();
        assertThat(first.closed).isTrue();
        assertThat(first.acks.get()).as("not acknowledged: the broker delivers it again").isZero();
        assertThat(second).isNotSameAs(first);
    }

    @Test
    void aForeignEnvelopeIsRefusedBeforeAnythingIsSent() throws Exception {
        ClientCore client = connected(builder());
        Envelope foreign = Envelope.builder(Kind.MESSAGE).to(PEER).body("x").sign(RelayKeyPair.generate());
        assertThat(failure(client.send(foreign)).code()).isEqualTo("sender_mismatch");
        assertThat(transport.current().published).isEmpty();
    }

    // ---------------------------------------------------------------- fixtures

    private TestClient.Builder builder() {
        return new TestClient.Builder().key(me).relayKey(RELAY.keyId());
    }

    private TestClient connected(TestClient.Builder builder) throws RelayClientException {
        TestClient client = track(builder.build(transport));
        client.connect();
        return client;
    }

    private TestClient track(TestClient client) {
        clients.add(client);
        return client;
    }

    private Envelope error(String inReplyTo, byte[] body) throws RelayException {
        return Envelope.builder(Kind.ERROR).to(me.keyId()).inReplyTo(inReplyTo).contentType(JsonBodies.CONTENT_TYPE)
                .body(body).sign(RELAY);
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static RelayClientException failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RelayClientException.class);
            return (RelayClientException) e.getCause();
        }
        throw new AssertionError("completed without a failure");
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The smallest client: the core and a builder. */
    static final class TestClient extends ClientCore {
        private TestClient(Builder builder, ClientTransport transport) {
            super(builder, transport, "test client");
        }

        static final class Builder extends ClientBuilder<Builder> {
            Builder() {
                super(Duration.ofMillis(20), Duration.ofMillis(50));
            }

            @Override
            protected Builder self() {
                return this;
            }

            TestClient build(ClientTransport transport) {
                validate(Duration.ofMillis(300));
                return new TestClient(this, transport);
            }
        }
    }

    /** A transport that answers as told and lets the test deliver and drop. */
    static final class FakeTransport implements ClientTransport {
        final BlockingQueue<FakeConnection> opened = new LinkedBlockingQueue<>();
        final AtomicInteger connects = new AtomicInteger();
        volatile FakeConnection current;
        volatile Function<Envelope, CompletableFuture<PublishAnswer>> answers =
                envelope -> CompletableFuture.completedFuture(PublishAnswer.accepted());
        volatile RelayClientException refuseConnect;
        volatile boolean permanent;

        @Override
        public Connection newConnection(Listener listener) {
            return new FakeConnection(this, listener);
        }

        @Override
        public String endpoint() {
            return "fake://relay";
        }

        @Override
        public boolean shouldReconnect(RelayClientException cause) {
            return !permanent;
        }

        FakeConnection current() {
            return current;
        }

        /** Waits for the next connection to be opened and returns it. */
        FakeConnection nextConnection() throws InterruptedException {
            FakeConnection before = current;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (current == before && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return current;
        }
    }

    static final class FakeConnection implements ClientTransport.Connection {
        final FakeTransport transport;
        final ClientTransport.Listener listener;
        final List<Envelope> published = new CopyOnWriteArrayList<>();
        final AtomicInteger acks = new AtomicInteger();
        volatile boolean closed;

        FakeConnection(FakeTransport transport, ClientTransport.Listener listener) {
            this.transport = transport;
            this.listener = listener;
        }

        @Override
        public boolean connect(ClientTransport.Tokens tokens, Duration timeout) throws RelayClientException {
            tokens.sign("test-realm", null); // the core signs a fresh token for every connection
            transport.connects.incrementAndGet();
            if (transport.refuseConnect != null) {
                throw transport.refuseConnect;
            }
            transport.current = this;
            transport.opened.add(this);
            return false;
        }

        @Override
        public CompletableFuture<PublishAnswer> publish(Envelope envelope) {
            published.add(envelope);
            return transport.answers.apply(envelope);
        }

        @Override
        public void close() {
            closed = true;
        }

        void deliver(Envelope envelope) {
            listener.delivered(envelope.toJson(), acks::incrementAndGet);
        }

        void lose(RelayClientException cause) {
            listener.lost(cause);
        }
    }
}
