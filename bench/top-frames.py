#!/usr/bin/env python3
"""Summarises async-profiler's collapsed stacks (thread name first, as its 'threads' option writes them): for the
threads that carry requests (the server's Jetty pool, the load generator's clients), the hottest frames by
inclusive and by self samples, as shares of those threads' samples. On the server, only stacks that serve a request
count: idle pool threads, the acceptor and the selectors are left out.
Usage: bench/top-frames.py FILE.collapsed..."""
import collections
import re
import sys

TOP = 25
# Where a request's time goes, layer by layer: each milestone's inclusive share of the request threads' samples.
MILESTONES = [
    ("jetty: a request on a connection", "org/eclipse/jetty/server/internal/HttpConnection.onFillable"),
    ("jetty: reading the socket", "org/eclipse/jetty/io/SocketChannelEndPoint.fill"),
    ("jetty: writing the socket", "org/eclipse/jetty/io/SocketChannelEndPoint.flush"),
    ("felix: whiteboard dispatch", "org/apache/felix/http/base/internal/dispatch/Dispatcher.dispatch"),
    ("gantry: ClientAddressFilter", "org/gantry/rest/internal/ClientAddressFilter.doFilter"),
    ("gantry: BodyReadingFilter", "org/gantry/rest/internal/BodyReadingFilter.doFilter"),
    ("gantry: InferenceFilter (the lean infer path)", "org/gantry/rest/internal/InferenceFilter.doFilter"),
    ("jersey: whole", "org/glassfish/jersey/servlet/ServletContainer.service"),
    ("jersey: routing", "org/glassfish/jersey/server/internal/routing/RoutingStage.apply"),
    ("jersey: request filters", "org/glassfish/jersey/server/ContainerFilteringStage.apply"),
    ("jersey: writing the response", "org/glassfish/jersey/server/ServerRuntime$Responder.process"),
    ("hk2: injection", "org/jvnet/hk2/internal/"),
    ("gantry: the resource method", "org/gantry/rest/internal/ModelEndpoints.infer"),
    ("gantry: reading the request", "org/gantry/rest/internal/InferenceHttp.read"),
    ("gantry: the model server", "org/gantry/runtime/"),
    ("engine: libtorch", "org/gantry/engine/libtorch/"),
    ("gantry: writing the response", "org/gantry/protocol/kserve/ResponseWriter.write"),
    ("client: sending the request", "org/apache/hc/core5/http/impl/io/DefaultBHttpClientConnection.sendRequest"),
    ("client: waiting for the response head", "DefaultBHttpClientConnection.receiveResponseHeader"),
    ("client: reading the response body", "org/apache/hc/core5/http/io/entity/EntityUtils.consume"),
    ("client: socket read", "sun/nio/ch/NioSocketImpl.read"),
    ("client: socket write", "sun/nio/ch/NioSocketImpl.write"),
]
SERVING = re.compile(r"(HttpChannelState|HttpConnection\.onFillable|ServletChannel|ContextHandler)")


def short(frame):
    frame = re.sub(r"_\[[a-z0-9]\]$", "", frame)
    return frame if len(frame) <= 150 else frame[:147] + "..."


def summarise(path):
    server = "/server-" in path or path.startswith("server-")
    inclusive, own, milestones = collections.Counter(), collections.Counter(), collections.Counter()
    total = kept = 0
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not count.isdigit():
            continue
        count = int(count)
        total += count
        frames = stack.split(";")
        thread = frames[0]
        if server and not thread.startswith("[qtp"):
            continue
        if not server and not thread.startswith("[client-"):
            continue
        if server and not SERVING.search(stack):
            continue  # an idle pool thread, or Jetty's acceptor or selector
        kept += count
        for label, needle in MILESTONES:
            if needle in stack:
                milestones[label] += count
        for frame in set(frames[1:]):
            inclusive[short(frame)] += count
        own[short(frames[-1])] += count
    print(f"== {path}: {kept} of {total} samples on request threads")
    if not kept:
        return
    print("-- layers (inclusive)")
    for label, needle in MILESTONES:
        count = milestones[label]
        if count:
            print(f"{100.0 * count / kept:6.1f}%  {label}")
    print("-- inclusive")
    for frame, count in inclusive.most_common(TOP):
        print(f"{100.0 * count / kept:6.1f}%  {frame}")
    print("-- self")
    for frame, count in own.most_common(TOP):
        print(f"{100.0 * count / kept:6.1f}%  {frame}")
    print()


for argument in sys.argv[1:]:
    summarise(argument)
