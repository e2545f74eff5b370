package dev.relay.gateway;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tyrus' view of one WebSocket connection: hands every event to the connection's {@link ClientConnection}. */
public final class GatewayEndpoint extends Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayEndpoint.class);
    private final GatewayContext context;
    private ClientConnection connection;

    GatewayEndpoint(GatewayContext context) {
        this.context = context;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        GatewayConfig settings = context.config();
        session.setMaxTextMessageBufferSize(settings.maxFrameBytes);
        session.setMaxBinaryMessageBufferSize(settings.maxFrameBytes);
        session.setMaxIdleTimeout(0); // the connection tracks last-heard-from itself (sends reset Tyrus' timer)
        HandshakeCredentials credentials =
                (HandshakeCredentials) session.getUserProperties().get(HandshakeGuard.CREDENTIALS);
        String remote = String.valueOf(session.getUserProperties().getOrDefault(HandshakeGuard.REMOTE, "unknown"));
        connection = new ClientConnection(context, session, remote);
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) connection::onText);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) data -> connection.onBinary());
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> connection.onPong());
        connection.start(credentials);
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        if (connection != null) {
            connection.onClosed(closeReason.getCloseCode().getCode());
        }
    }

    @Override
    public void onError(Session session, Throwable failure) {
        LOG.debug("WebSocket error on {}: {}", session.getId(), failure.toString());
    }
}
