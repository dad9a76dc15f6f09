import sys, json
from tests.fidelity.corpus import corpus_site, read_site, published_records, corpus_context
from tests.fidelity.report import render_bodies
from tests.fidelity.measure import read_page
from mappings.posts import post_to_intent
site=corpus_site(); api=read_site(site)
want=sys.argv[1]; fmt=sys.argv[2] if len(sys.argv)>2 else 'html'
for rec,raw in published_records(api):
    if rec.slug==want:
        ctx=corpus_context(site, fmt)
        out=post_to_intent(rec, ctx, None)
        print("=== WP rendered\n", rec.content_rendered[:int(sys.argv[3]) if len(sys.argv)>3 else 3000])
        body=out.operations[0][1]['body'] if hasattr(out,'operations') else str(out)
        print("=== body\n", body[:3000])
        r=render_bodies({'x':body})['x']
        import re
        r=re.sub(r'<picture>.*?(<img[^>]*>)</picture>', r'\1', r, flags=re.S)
        print("=== rendered\n", r[:3000])
        a=read_page(rec.content_rendered, rec.link, frontend=False); b=read_page(r, rec.link, frontend=True)
        print("=== texts\n", a.text[:1500], "\n---\n", b.text[:1500])
        from diff_match_patch import diff_match_patch
        d=diff_match_patch(); x=d.diff_main(a.text,b.text); d.diff_cleanupSemantic(x)
        print("=== DIFF"); [print(op, repr(t[:300])) for op,t in x if op!=0]
        print("links missing", [l for l in a.links if l not in b.links][:10])
