package org.gantry.backend.tensorflow.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Writes the TensorFlow test repository with TensorFlow Java itself (no Python, no committed binaries), in
 * Triton's layout. Expected outputs are in closed form:
 * <ul>
 * <li>{@code tf_affine}: x FP32 [-1,4] → y = 2x + 1 (2 is a variable), s = Σ x per row; no config.pbtxt inputs
 * (auto-complete);</li>
 * <li>{@code tf_strings}: text BYTES [-1] → length INT32 (bytes), shout BYTES = upper(text) + "!";</li>
 * <li>{@code tf_types}: a INT64 [-1,2] → a·3, b BOOL → not b, c FP64 → c + 0.5;</li>
 * <li>{@code tf_signature}: x FP32 [-1] → x·10 under signature {@code predict} only;</li>
 * <li>{@code tf_optional}: x FP32 [-1], bias FP32 [1] (optional, default 0) → y = x + bias;</li>
 * <li>{@code tf_corrupt}: a saved_model.pb that is not one.</li>
 * </ul>
 * Run as a program to write the repository elsewhere: {@code SavedModelFixtures <folder>}.
 */
public final class SavedModelFixtures {

    private SavedModelFixtures() {
    }

    public static void main(String[] args) throws IOException {
        writeAll(Path.of(args[0]));
    }

    public static void writeAll(Path root) throws IOException {
        affine(root.resolve("tf_affine"));
        strings(root.resolve("tf_strings"));
        types(root.resolve("tf_types"));
        signature(root.resolve("tf_signature"));
        optional(root.resolve("tf_optional"));
        Path corrupt = Files.createDirectories(root.resolve("tf_corrupt/1/model.savedmodel"));
        Files.writeString(corrupt.resolve("saved_model.pb"), "this is not a protobuf");
        Files.writeString(root.resolve("tf_corrupt/config.pbtxt"), "platform: \"tensorflow_savedmodel\"\n");
    }

    private static void affine(Path model) throws IOException {
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, 4)));
            Variable<TFloat32> scale = tf.withName("scale").variable(tf.constant(2f));
            Operand<TFloat32> y = tf.withName("y").math.add(tf.math.mul(x, scale), tf.constant(1f));
            Operand<TFloat32> s = tf.withName("s").sum(x, tf.constant(1));
            session.initialize();
            export(model, Signature.builder().key(Signature.DEFAULT_KEY).input("x", x).output("y", y).output("s", s)
                    .build(), session);
        }
        config(model, "platform: \"tensorflow_savedmodel\"\n");
    }

    private static void strings(Path model) throws IOException {
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TString> text = tf.withName("text").placeholder(TString.class,
                    Placeholder.shape(Shape.of(-1)));
            Operand<?> length = tf.withName("length").strings.stringLength(text);
            Operand<TString> shout = tf.withName("shout").strings.join(List.of(tf.strings.upper(text),
                    tf.constant("!")));
            export(model, Signature.builder().input("text", text).output("length", length).output("shout", shout)
                    .build(), session);
        }
        config(model, """
                name: "tf_strings"
                backend: "tensorflow"
                max_batch_size: 8
                input [ { name: "text" data_type: TYPE_STRING dims: [ ] } ]
                output [ { name: "length" data_type: TYPE_INT32 dims: [ ] }, { name: "shout" data_type: TYPE_STRING dims: [ ] } ]
                """);
    }

    private static void types(Path model) throws IOException {
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TInt64> a = tf.withName("a").placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, 2)));
            Placeholder<TBool> b = tf.withName("b").placeholder(TBool.class, Placeholder.shape(Shape.of(-1, 2)));
            Placeholder<TFloat64> c = tf.withName("c").placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 2)));
            Operand<TInt64> tripled = tf.withName("tripled").math.mul(a, tf.constant(3L));
            Operand<TBool> negated = tf.withName("negated").math.logicalNot(b);
            Operand<TFloat64> shifted = tf.withName("shifted").math.add(c, tf.constant(0.5));
            export(model, Signature.builder().input("a", a).input("b", b).input("c", c).output("tripled", tripled)
                    .output("negated", negated).output("shifted", shifted).build(), session);
        }
        config(model, "platform: \"tensorflow_savedmodel\"\n");
    }

    private static void signature(Path model) throws IOException {
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
            Operand<TFloat32> y = tf.withName("y").math.mul(x, tf.constant(10f));
            export(model, Signature.builder().key("predict").input("x", x).output("y", y).build(), session);
        }
        config(model, """
                platform: "tensorflow_savedmodel"
                parameters { key: "signature_name" value: { string_value: "predict" } }
                """);
    }

    private static void optional(Path model) throws IOException {
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
            Operand<TFloat32> bias = tf.withName("bias").placeholderWithDefault(tf.constant(new float[] { 0f }),
                    Shape.of(1));
            Operand<TFloat32> y = tf.withName("y").math.add(x, bias);
            export(model, Signature.builder().input("x", x).input("bias", bias).output("y", y).build(), session);
        }
        config(model, """
                platform: "tensorflow_savedmodel"
                input [ { name: "x" data_type: TYPE_FP32 dims: [ -1 ] },
                        { name: "bias" data_type: TYPE_FP32 dims: [ 1 ] optional: true } ]
                output [ { name: "y" data_type: TYPE_FP32 dims: [ -1 ] } ]
                """);
    }

    private static void export(Path model, Signature signature, Session session) throws IOException {
        Path folder = model.resolve("1").resolve("model.savedmodel"); // Triton's default folder name
        Files.createDirectories(folder.getParent());
        SavedModelBundle.exporter(folder.toString()).withFunction(SessionFunction.create(signature, session)).export();
    }

    private static void config(Path model, String text) throws IOException {
        Files.writeString(model.resolve("config.pbtxt"), text);
    }
}
