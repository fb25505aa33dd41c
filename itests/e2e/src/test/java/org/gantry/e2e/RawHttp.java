package org.gantry.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client would send: broken chunking, lengths that lie,
 * paths with raw bytes. Every request asks the server to close the connection, so a response ends at the close.
 */
final class RawHttp {

    private RawHttp() {
    }

    /** A response as the bytes came: status, headers by lower-case name, body (chunked bodies decoded). */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    static Response exchange(int port, byte[] request, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before it has read all of a refused request
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            boolean head = new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1)
                    .equals("HEAD ");
            try {
                for (int read; (read = in.read(buffer)) >= 0;) {
                    received.write(buffer, 0, read);
                    if (isComplete(received.toByteArray(), head)) {
                        break; // servers may keep the connection open after an interim 100 Continue
                    }
                }
            } catch (SocketTimeoutException e) {
                if (received.size() == 0) {
                    throw e;
                }
            } catch (IOException e) {
                if (received.size() == 0) {
                    throw e;
                }
            }
            return parse(received.toByteArray());
        }
    }

    /** A request from its head (request line and headers, without the blank line) and body. */
    static byte[] request(String head, byte[] body) {
        byte[] headBytes = (head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    /** Whether the bytes hold a whole final response, by its Content-Length or its last chunk. */
    private static boolean isComplete(byte[] bytes, boolean head) {
        Response response;
        try {
            response = parse(bytes);
        } catch (RuntimeException incomplete) {
            return false;
        }
        if (head || response.status() == 204 || response.status() == 304) {
            return true;
        }
        String length = response.header("content-length");
        if (length != null) {
            return response.body().length >= Long.parseLong(length);
        }
        if ("chunked".equalsIgnoreCase(response.header("transfer-encoding"))) {
            byte[] tail = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            return indexOf(bytes, tail, Math.max(0, bytes.length - tail.length)) >= 0;
        }
        return false;
    }

    private static Response parse(byte[] bytes) {
        // Interim answers (100 Continue) come before the real one: skip them.
        while (bytes.length > 12 && bytes[9] == '1' && new String(bytes, 0, 5, StandardCharsets.ISO_8859_1)
                .equals("HTTP/")) {
            int interimEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
            bytes = java.util.Arrays.copyOfRange(bytes, interimEnd + 4, bytes.length);
        }
        int end = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (end < 0) {
            throw new IllegalStateException("no complete response head: "
                    + new String(bytes, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(status, headers, body);
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = 0;
        while (at < chunked.length) {
            int lineEnd = indexOf(chunked, new byte[] { '\r', '\n' }, at);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";")[0]
                    .trim(), 16);
            if (size == 0) {
                break;
            }
            body.write(chunked, lineEnd + 2, Math.min(size, chunked.length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }
        return body.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte[] pattern, int from) {
        outer : for (int i = from; i <= bytes.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
