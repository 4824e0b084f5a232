package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Exclusive;

/**
 * Scratch space for inference over whole sequences without a trace:
 * {@link Recurrent#forward(Tensor, int[], Tensor, Tensor, Tensor, Tensor, Tensor, SequenceWorkspace)}. It holds
 * the gate pre-activations of every step of one layer and direction, two layers' outputs, h (and c) of the
 * current and the previous step, and the time-major or reversed input where needed. Made once per thread
 * by {@link Recurrent#newSequenceWorkspace()}, it grows to the largest call it has served (steps x batch)
 * and from then on a forward allocates nothing.
 *
 * <p>Like a {@link StreamState}, a workspace belongs to one thread at a time: using it from a second
 * thread during a call throws an {@link IllegalStateException} naming the thread that holds it; handing it
 * to another thread between calls is fine.
 */
public final class SequenceWorkspace extends Exclusive {
    final Recurrent net;
    final SequenceBuffers.Reused buffers;

    SequenceWorkspace(Recurrent net) {
        this.net = net;
        this.buffers = new SequenceBuffers.Reused(net);
    }

    @Override
    protected String kind() {
        return "SequenceWorkspace";
    }
}
