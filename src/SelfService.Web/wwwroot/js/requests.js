// New request form: choosing an add-on, plan or feature reloads the page with it filled in, so the
// server shows what it would change (the downgrade preview for a plan). The form works without this.
document.querySelectorAll("select[data-preview]").forEach(select => {
    select.addEventListener("change", () => {
        const form = select.form;
        const params = new URLSearchParams(window.location.search);
        params.set("kind", form.querySelector("input[name=Kind]").value);
        const map = { AddOnCode: "code", PlanCode: "code", FeatureHandle: "feature", Quantity: "quantity", DurationDays: "days", Amount: "amount", ExtendsGrantId: "extends" };
        for (const [field, query] of Object.entries(map)) {
            const input = form.elements.namedItem(field);
            if (input && input.value) params.set(query, input.value); else if (input) params.delete(query);
        }
        window.location.search = params.toString();
    });
});
