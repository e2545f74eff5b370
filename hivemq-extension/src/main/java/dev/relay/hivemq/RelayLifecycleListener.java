package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput;
import com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import dev.relay.core.ConnectFacts;
import dev.relay.core.RelayEngine;
import java.util.concurrent.ExecutorService;

/**
 * Presence and the connect audit: online after authentication, offline when that connection ends. The identity comes
 * from the connection itself, so a takeover counts one session down and the new one up.
 */
final class RelayLifecycleListener implements ClientLifecycleEventListener {
    private final RelayEngine engine;
    private final ClientIdentities identities;
    private final ExecutorService executor;

    RelayLifecycleListener(RelayEngine engine, ClientIdentities identities, ExecutorService executor) {
        this.engine = engine;
        this.identities = identities;
        this.executor = executor;
    }

    @Override
    public void onMqttConnectionStart(ConnectionStartInput input) {
    }

    @Override
    public void onAuthenticationSuccessful(AuthenticationSuccessfulInput input) {
        String clientId = input.getClientInformation().getClientId();
        ConnectFacts facts = new ConnectFacts(input.getConnectionInformation().getMqttVersion() == MqttVersion.V_5
                ? ConnectFacts.Transport.MQTT5 : ConnectFacts.Transport.MQTT3, clientId,
                input.getConnectionInformation().getInetAddress().map(Object::toString).orElse(null));
        identities.of(input).ifPresent(identity -> executor.submit(() -> engine.onConnected(identity, facts)));
    }

    /** Any end of a connection, including a refused connect (which never had an identity) and a takeover. */
    @Override
    public void onDisconnect(DisconnectEventInput input) {
        identities.of(input).ifPresent(identity -> executor.submit(() -> engine.onDisconnected(identity)));
    }
}
