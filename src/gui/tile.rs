//! The image tile every grid draws (library, results, query, trail) and the grid arithmetic.

use eframe::egui;

use egui::{Color32, Rect, Sense, TextureHandle, Vec2, pos2, vec2};

/// Draws one tile: the image fitted in a square, a caption below. `label` is its accessible name.
pub(super) fn tile(
    ui: &mut egui::Ui,
    texture: Option<&TextureHandle>,
    side: f32,
    caption: &str,
    label: &str,
    selected: bool,
) -> egui::Response {
    let text_h = ui.text_style_height(&egui::TextStyle::Small) + 2.0;
    let (rect, response) = ui.allocate_exact_size(vec2(side, side + text_h), Sense::click());
    response.widget_info(|| egui::WidgetInfo::selected(egui::accesskit::Role::Button, true, selected, label));
    if ui.is_rect_visible(rect) {
        let image_rect = Rect::from_min_size(rect.min, Vec2::splat(side));
        let painter = ui.painter();
        painter.rect_filled(image_rect, 4.0, ui.visuals().extreme_bg_color);
        match texture {
            Some(tex) => {
                let size = tex.size_vec2();
                let scale = (side / size.x).min(side / size.y);
                let fitted = Rect::from_center_size(image_rect.center(), size * scale);
                painter.image(tex.id(), fitted, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
            }
            None => {
                painter.text(
                    image_rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "…",
                    egui::FontId::proportional(16.0),
                    ui.visuals().weak_text_color(),
                );
            }
        }
        if selected || response.hovered() {
            let colour = if selected { ui.visuals().selection.stroke.color } else { ui.visuals().widgets.hovered.fg_stroke.color };
            painter.rect_stroke(image_rect, 4.0, egui::Stroke::new(2.0, colour), egui::StrokeKind::Inside);
        }
        let font = egui::TextStyle::Small.resolve(ui.style());
        let galley = ui.fonts_mut(|f| {
            f.layout_job(egui::text::LayoutJob {
                wrap: egui::text::TextWrapping::truncate_at_width(side),
                ..egui::text::LayoutJob::simple_singleline(caption.to_owned(), font, ui.visuals().text_color())
            })
        });
        painter.galley(pos2(rect.min.x, image_rect.max.y + 1.0), galley, ui.visuals().text_color());
    }
    response.on_hover_text(label)
}

/// Rows and columns of a grid of `n` tiles in the available width.
pub(super) fn grid_shape(ui: &egui::Ui, side: f32, n: usize) -> (usize, usize) {
    let spacing = ui.spacing().item_spacing.x;
    let cols = (((ui.available_width() + spacing) / (side + spacing)).floor() as usize).max(1);
    (cols, n.div_ceil(cols))
}
