package dev.releasepilot.decide;

import dev.releasepilot.journal.Fence;
import io.vertx.core.Future;

/**
 * How the lease keeper hands a service to this instance and takes it back. Implemented by decide's
 * router, which passes each call to the service's own context.
 */
public interface Succession {
    /**
     * This instance now holds {@code service}'s lease at {@code fence}: catch up from the shared journal,
     * then act on what is pending. Completes once caught up.
     *
     * @param previousHolder who held it before (null: nobody yet, or this instance itself)
     */
    Future<Void> takeOver(String service, Fence fence, String previousHolder);

    /**
     * Stop deciding and acting for {@code service} (its lease is being handed to another instance, or
     * was lost). Completes when no actuation of it is in flight any more, so the lease can be released.
     */
    Future<Void> stepDown(String service);
}
