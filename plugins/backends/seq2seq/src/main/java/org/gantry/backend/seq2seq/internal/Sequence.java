package org.gantry.backend.seq2seq.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;

import org.gantry.backend.seq2seq.internal.GenerationSettings.Decoding;

import ai.djl.ndarray.NDArray;

/**
 * One request inside the decode loop: its encoder states, its decoder rows (one, or one per beam) and the choice
 * of the next tokens from their logits. The loop thread alone calls {@link #advance}; the request's thread reads
 * {@link #events} and may {@link #cancel} at any time.
 */
final class Sequence {

    /** A token chosen (greedy, sampling); {@code last} when it ends the generation. */
    record Token(long id, boolean last) {
    }

    /** The winning beam's tokens, once beam search is done. */
    record BeamResult(long[] ids) {
    }

    /** The loop failed or was closed under the request. */
    record Failure(RuntimeException error) {
    }

    final GenerationSettings settings;
    /** [1, s, d] in the request's own manager; copied into the batch when the sequence joins. */
    final NDArray encoderHidden;
    final int sourceLength;
    final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    /** Counted down once the loop no longer holds or touches this sequence. */
    final CountDownLatch removed = new CountDownLatch(1);
    private volatile boolean cancelled;
    private final SplittableRandom random;

    /** Tokens decoded so far (equal for every row of the sequence): the next position. */
    int steps;
    /** Greedy and sampling: the one row's tokens. Beam: unused. */
    private long lastToken = -1;
    private List<Beam> beams = new ArrayList<>(List.of(new Beam(new long[0], 0.0)));
    private final List<Beam> finished = new ArrayList<>();

    private record Beam(long[] tokens, double score) {
        long last(long start) {
            return tokens.length == 0 ? start : tokens[tokens.length - 1];
        }
    }

    Sequence(GenerationSettings settings, NDArray encoderHidden, int sourceLength) {
        this.settings = settings;
        this.encoderHidden = encoderHidden;
        this.sourceLength = sourceLength;
        this.random = settings.seed() == null ? new SplittableRandom() : new SplittableRandom(settings.seed());
    }

    /** Asks the loop to drop this sequence at the next step boundary (client gone, stop string found). */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Rows this sequence has in the coming step. */
    int rows() {
        return settings.decoding() == Decoding.BEAM ? beams.size() : 1;
    }

    /** The input token of row {@code row} for the coming step. */
    long inputToken(int row) {
        if (settings.decoding() == Decoding.BEAM) {
            return beams.get(row).last(settings.decoderStartTokenId());
        }
        return lastToken < 0 ? settings.decoderStartTokenId() : lastToken;
    }

    /**
     * Takes one step's logits for this sequence's rows (rows {@code first..first+rows()-1} of {@code logits},
     * {@code vocabulary} each) and returns, for each of its rows in the next step, the row of this step it
     * continues (relative to {@code first}); empty when the sequence is done.
     */
    int[] advance(float[] logits, int first, int vocabulary) {
        if (cancelled) {
            return new int[0];
        }
        steps++;
        if (settings.decoding() != Decoding.BEAM) {
            long token = settings.decoding() == Decoding.GREEDY ? argmax(logits, first * vocabulary, vocabulary)
                    : sample(logits, first * vocabulary, vocabulary);
            lastToken = token;
            boolean last = token == settings.eosTokenId() || steps >= settings.maxNewTokens();
            events.add(new Token(token, last));
            return last ? new int[0] : new int[] { 0 };
        }
        return beamStep(logits, first, vocabulary);
    }

    /** The first largest logit (as torch.argmax). */
    static int argmax(float[] logits, int offset, int vocabulary) {
        int best = 0;
        for (int t = 1; t < vocabulary; t++) {
            if (logits[offset + t] > logits[offset + best]) {
                best = t;
            }
        }
        return best;
    }

    /** Temperature, then top-k, then top-p (nucleus) filtering, then a draw from this sequence's generator. */
    private int sample(float[] logits, int offset, int vocabulary) {
        double[] scaled = new double[vocabulary];
        Integer[] order = new Integer[vocabulary];
        for (int t = 0; t < vocabulary; t++) {
            scaled[t] = logits[offset + t] / settings.temperature();
            order[t] = t;
        }
        Arrays.sort(order, (a, b) -> scaled[a] != scaled[b] ? Double.compare(scaled[b], scaled[a]) : a - b);
        int keep = settings.topK() > 0 ? Math.min(settings.topK(), vocabulary) : vocabulary;
        double max = scaled[order[0]];
        double[] weights = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            weights[i] = Math.exp(scaled[order[i]] - max);
            total += weights[i];
        }
        if (settings.topP() < 1) {
            double cumulative = 0;
            int nucleus = 0;
            while (nucleus < keep) {
                cumulative += weights[nucleus++] / total;
                if (cumulative >= settings.topP()) {
                    break;
                }
            }
            keep = nucleus;
            total = 0;
            for (int i = 0; i < keep; i++) {
                total += weights[i];
            }
        }
        double draw = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            draw -= weights[i];
            if (draw < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /**
     * Beam search, exactly as scripts/fixtures/make-seq2seq-fixtures.py computes the reference: every (beam, token)
     * candidate scored by the beam's sum of log-probabilities plus the token's; the best 2×width walked in order
     * (ties: beam, then token); an EOS among the first width finishes a hypothesis (score / its length), others
     * continue until width beams do. Done after width finished hypotheses or max_new_tokens steps.
     */
    private int[] beamStep(float[] logits, int first, int vocabulary) {
        int width = settings.numBeams();
        int walk = 2 * width;
        double[] bestScores = new double[walk];
        int[] bestBeam = new int[walk];
        int[] bestToken = new int[walk];
        int count = 0;
        for (int b = 0; b < beams.size(); b++) {
            int offset = (first + b) * vocabulary;
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < vocabulary; t++) {
                max = Math.max(max, logits[offset + t]);
            }
            double sum = 0;
            for (int t = 0; t < vocabulary; t++) {
                sum += Math.exp((double) logits[offset + t] - max);
            }
            double logSum = Math.log(sum);
            double base = beams.get(b).score();
            for (int t = 0; t < vocabulary; t++) {
                double score = base + ((double) logits[offset + t] - max - logSum);
                // Insertion into the sorted best list; equal scores keep the earlier (beam, token) first.
                if (count == walk && score <= bestScores[walk - 1]) {
                    continue;
                }
                int at = count < walk ? count++ : walk - 1;
                while (at > 0 && bestScores[at - 1] < score) {
                    bestScores[at] = bestScores[at - 1];
                    bestBeam[at] = bestBeam[at - 1];
                    bestToken[at] = bestToken[at - 1];
                    at--;
                }
                bestScores[at] = score;
                bestBeam[at] = b;
                bestToken[at] = t;
            }
        }
        List<Beam> next = new ArrayList<>(width);
        List<Integer> parents = new ArrayList<>(width);
        for (int rank = 0; rank < count && next.size() < width; rank++) {
            long[] parent = beams.get(bestBeam[rank]).tokens();
            long[] tokens = Arrays.copyOf(parent, parent.length + 1);
            tokens[parent.length] = bestToken[rank];
            if (bestToken[rank] == settings.eosTokenId()) {
                if (rank < width) {
                    finished.add(new Beam(tokens, bestScores[rank] / tokens.length));
                }
            } else {
                next.add(new Beam(tokens, bestScores[rank]));
                parents.add(bestBeam[rank]);
            }
        }
        beams = next;
        if (finished.size() < width && steps < settings.maxNewTokens() && !beams.isEmpty()) {
            return parents.stream().mapToInt(Integer::intValue).toArray();
        }
        if (finished.size() < width) {
            for (Beam beam : beams) {
                finished.add(new Beam(beam.tokens(), beam.score() / beam.tokens().length));
            }
        }
        Beam best = finished.get(0);
        for (Beam candidate : finished) {
            if (candidate.score() > best.score()) {
                best = candidate;
            }
        }
        events.add(new BeamResult(best.tokens()));
        return new int[0];
    }
}
