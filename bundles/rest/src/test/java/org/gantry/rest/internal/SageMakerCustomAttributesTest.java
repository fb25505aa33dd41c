package org.gantry.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** On SageMaker real-time endpoints and inference components a client names the model in its custom attributes. */
class SageMakerCustomAttributesTest {

    @Test
    void theModelIsTheValueOfModelAmongTheAttributes() {
        assertEquals("customer-a", SageMakerResource.modelAttribute("model=customer-a"));
        assertEquals("customer-a", SageMakerResource.modelAttribute("trace=on, model = customer-a ;user=42"));
        assertEquals("a=b", SageMakerResource.modelAttribute("model=a=b"), "only the first '=' separates");
    }

    @Test
    void attributesWithoutAModelNameNone() {
        assertNull(SageMakerResource.modelAttribute(null));
        assertNull(SageMakerResource.modelAttribute(""));
        assertNull(SageMakerResource.modelAttribute("trace=on"));
        assertNull(SageMakerResource.modelAttribute("model="));
        assertNull(SageMakerResource.modelAttribute("mymodel=x"));
    }
}
