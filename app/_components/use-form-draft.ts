"use client";

import { useCallback } from "react";

type Draft = { values: Record<string, string>; ticked: string[] };

/** Fields a draft keeps: not files, not hidden ones, never a password or token. */
function kept(el: Element): el is HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) || !el.name) return false;
  return !["file", "hidden", "password", "submit", "button"].includes(el.type) && !/password|secret|token/i.test(el.name);
}

const isBox = (el: Element): el is HTMLInputElement => el instanceof HTMLInputElement && (el.type === "checkbox" || el.type === "radio");

function read(form: HTMLFormElement): Draft {
  const draft: Draft = { values: {}, ticked: [] };
  for (const el of Array.from(form.elements).filter(kept)) {
    if (isBox(el)) {
      if (el.checked) draft.ticked.push(`${el.name}=${el.value}`);
    } else draft.values[el.name] = el.value;
  }
  return draft;
}

function write(form: HTMLFormElement, draft: Draft) {
  const ticked = new Set(draft.ticked);
  for (const el of Array.from(form.elements).filter(kept)) {
    if (isBox(el)) el.checked = ticked.has(`${el.name}=${el.value}`);
    else if (el.name in draft.values) el.value = draft.values[el.name];
  }
}

/**
 * Keeps what the user entered in a form across a client-side navigation (a link away and back, the back
 * button): the App Router mounts the page afresh, so uncontrolled fields came back with their defaults (the
 * ensemble form's default members ticked again after the user had unticked them). The fields are saved in
 * this tab's sessionStorage on every change and put back when the form mounts; submitting drops the draft
 * (after a refusal the form shows what the server echoed). `restore` is false while the form shows a
 * refusal's echoed values, which win. Returns the form's ref (a callback: it runs for each mounted form,
 * also the one a new `key` mounts).
 */
export function useFormDraft(id: string, restore: boolean) {
  return useCallback(
    (form: HTMLFormElement | null) => {
      if (!form) return;
      const key = `bulwark-form-draft:${id}`;
      if (restore) {
        try {
          const saved = sessionStorage.getItem(key);
          if (saved) write(form, JSON.parse(saved) as Draft);
        } catch {
          /* storage off, or a draft this form cannot read: the defaults stay */
        }
      }
      const save = () => {
        try {
          sessionStorage.setItem(key, JSON.stringify(read(form)));
        } catch {
          /* storage full or off: nothing kept, nothing broken */
        }
      };
      const drop = () => sessionStorage.removeItem(key);
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", drop);
      return () => {
        form.removeEventListener("input", save);
        form.removeEventListener("change", save);
        form.removeEventListener("submit", drop);
      };
    },
    [id, restore],
  );
}
