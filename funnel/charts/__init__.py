"""Chart builders: aggregated frames in, ``altair.Chart`` out (no Streamlit calls).

One module per analysis area; builders never receive row-level personal data.
"""
