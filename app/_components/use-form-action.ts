"use client";

import { useActionState, useState } from "react";
import type { ActionState } from "@/app/_lib/action";

type State = ActionState & { values?: Record<string, string> };

/**
 * The one way a form calls a server action. React 19 resets a form after its action: uncontrolled fields go
 * back to the defaults they were mounted with (a select ignores a later defaultValue, a controlled radio's DOM
 * disagrees with its state). So every answer gets a new `key`: the caller puts it on the <form> (or on the
 * component holding the form's own useState), which remounts the fields from `values` — what the user submitted,
 * echoed by the server without secrets — after an error, and from the page's defaults after a success.
 */
export function useFormAction<S extends State>(action: (prev: S | null, formData: FormData) => Promise<S | null>) {
  const [state, formAction, pending] = useActionState<S | null, FormData>(action, null);
  // A counter that moves on with every new answer (the "adjust state while rendering" pattern, no effect needed).
  const [seen, setSeen] = useState<{ state: S | null; n: number }>({ state, n: 0 });
  if (seen.state !== state) setSeen({ state, n: seen.n + 1 });
  const key = `submission-${seen.state === state ? seen.n : seen.n + 1}`;
  const failed = Boolean(state && !state.ok);
  return {
    state,
    formAction,
    pending,
    key,
    failed,
    /** The submitted values after an error; empty before the first submission and after a success. */
    values: (failed ? state?.values ?? {} : {}) as Record<string, string>,
    errors: (state?.fieldErrors ?? {}) as Record<string, string | undefined>,
  };
}
