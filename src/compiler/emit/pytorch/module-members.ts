/**
 * The public members of a PyTorch module, which a layer's attribute must not shadow: `dir(nn.Module())` of
 * torch 1.13 without the names that start with `_` (module.ts never emits an attribute that does), generated
 * once with `python3 -c "from torch import nn; print(*[n for n in dir(nn.Module()) if n[0] != '_'])"`.
 * test/pytorch-module-members.test.ts compares it with the installed torch.
 */
export const torchModuleMembers: readonly string[] = (
  "T_destination add_module apply bfloat16 buffers children cpu cuda double dump_patches eval extra_repr " +
  "float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules " +
  "named_buffers named_children named_modules named_parameters parameters register_backward_hook " +
  "register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook " +
  "register_load_state_dict_post_hook register_module register_parameter requires_grad_ set_extra_state " +
  "share_memory state_dict to to_empty train training type xpu zero_grad"
).split(" ");
