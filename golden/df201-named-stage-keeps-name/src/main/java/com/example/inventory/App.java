package com.example.inventory;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** A JDK-only HTTP service listing stock: builds with javac and jar, no Maven. */
public final class App {
    private static final List<Item> STOCK = List.of(
            new Item("A-100", "bolt", 250),
            new Item("A-200", "nut", 400),
            new Item("B-310", "washer", 0));

    static String render() {
        return STOCK.stream()
                .map(i -> "{\"sku\":\"" + i.sku() + "\",\"name\":\"" + i.name() + "\",\"qty\":" + i.quantity() + "}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/stock", exchange -> {
            byte[] body = render().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("listening on " + port);
    }
}
